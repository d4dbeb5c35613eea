export { RelayServer, TUNNEL_WS_PATH, type RelayAddresses, type RelayDeps } from './server.js';
export { buildConfig, loadConfigFile, resolveConfig, DEFAULTS, type RelayConfig } from './config.js';
export { readSni, type SniResult } from './sni.js';
export { MemoryRouteStore } from './store/memory.js';
export { RedisRouteStore } from './store/redis.js';
export type { RouteStore, RouteOwner, ClaimResult } from './store/types.js';
