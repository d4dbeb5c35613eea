// Owner-only request auth: paired clients store and the fastify plugin that verifies signed admin requests.
export { ownerAuth, type OwnerAuthOptions } from './plugin.js';
export { ClientsStore, type PairedClient } from './clients-store.js';
export { HttpError } from './http-error.js';
