// Client side of Hearth's owner auth, shared by the phone PWA and the CLI (browser-safe: no Node imports).
export * from './encoding.js';
export * from './keys.js';
export * from './canonical.js';
export * from './signer.js';
export * from './pair-client.js';
export * from './signed-transport.js';
