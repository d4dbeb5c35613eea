// Automatic TLS for the device: certificates from ACME, terminated on the device for tunnel and LAN connections.
export { AcmeCertificateSource, type AcmeSourceOptions, type ChallengeType } from './acme-source.js';
export { TlsTerminator, type TlsTerminatorOptions } from './terminator.js';
export { ACME_TLS_ALPN } from './client-hello.js';
export { ChallengeStore } from './challenges.js';
export { CertStore } from './cert-store.js';
export { defaultRenewalPolicy, type RenewalPolicy } from './renewal.js';
export { systemClock, type CertBundle, type CertificateSource, type ChallengeResponder, type Clock } from './types.js';
