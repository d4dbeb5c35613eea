// The app manifest: compose file + x-hearth block → validated, normalised AppManifest.
export { parseAppFile, parseAppObject } from './parse.js';
export { formatIssues } from './issues.js';
export { canonicalJson } from './canonical.js';
export { DEFAULT_LIMITS } from './resources.js';
export { HEALTHCHECK_DEFAULTS } from './healthcheck.js';
export { DEFAULT_RESTART } from './service.js';
export type * from './types.js';
