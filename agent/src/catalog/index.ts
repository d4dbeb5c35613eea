// Device side of the signed app catalog. See docs/PAIRING.md (catalog section).
export { CatalogClient, type CatalogClientOptions } from './catalog-client.js';
export { CatalogError, parsePublicKey, verifyIndex, verifyCompose } from './verify.js';
export type { CatalogIndex, CatalogEntry } from './index-schema.js';
