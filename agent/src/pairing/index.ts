// Device-side pairing: SPAKE2 service, public routes, admin routes, QR rendering. See docs/PAIRING.md.
export { PairingService, type PairingServiceOptions } from './pairing-service.js';
export { pairingRoutes, type PairingRoutesOptions } from './routes.js';
export { pairingAdminRoutes, type PairingAdminOptions } from './admin-routes.js';
export { renderPairingQr, type QrFormat } from './qr-render.js';
export { buildPairingUrl, parsePairingUrl, type PairingPayload } from './pairing-url.js';
export { DEFAULT_PAIRING_LIMIT, type LimitConfig } from './rate-limit.js';
