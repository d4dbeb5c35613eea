// The TLS concept's shared shapes. A CertificateSource hands out certificates for the device's names; the
// TlsTerminator asks it for the right one per SNI name. ACME (HTTP-01 / TLS-ALPN-01) is one source; DNS-01
// (one wildcard per device) can be added later behind the same interface.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SecureContext } from 'node:tls';

/** A private key and its certificate chain, as served for one set of names. */
export interface CertBundle {
  /** Names the certificate covers (lower case, sorted; the first is the primary name used for storage). */
  readonly names: readonly string[];
  /** PKCS#8 PEM. Secret: never log it. */
  readonly keyPem: string;
  /** Leaf first, then intermediates (PEM). */
  readonly chainPem: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SHA-256 fingerprint of the leaf (colon hex, as node:crypto prints it). */
  readonly fingerprint256: string;
  /** Ready-made context for TLS servers. */
  readonly secureContext: SecureContext;
}

/**
 * Answers ACME challenges that arrive as ordinary connections: TLS-ALPN-01 handshakes (`acme-tls/1`) and
 * HTTP-01 requests under /.well-known/acme-challenge/.
 */
export interface ChallengeResponder {
  /** The challenge certificate for `servername` while a TLS-ALPN-01 challenge for it is pending. */
  alpnContext(servername: string): SecureContext | undefined;
  /** Serves the request if it is an HTTP-01 challenge request; returns false (touching nothing) otherwise. */
  handleHttp(req: IncomingMessage, res: ServerResponse): boolean;
}

export interface CertificateSource {
  /**
   * Resolves with a valid certificate covering all `names`, issuing (or re-issuing) one if needed, and keeps it
   * renewed until stop(). Concurrent calls are serialised.
   */
  ensure(names: readonly string[]): Promise<CertBundle>;
  /** The certificate currently served for `name` (exact or wildcard match), if any. */
  current(name: string): CertBundle | undefined;
  /** The certificate to serve to clients that send no SNI. */
  fallback(): CertBundle | undefined;
  /** Challenge answers for connections the device receives (absent for sources that need none, e.g. DNS-01). */
  readonly challenges?: ChallengeResponder;
  /** Cancels renewal timers. */
  stop(): void;
}

/** Injected time, so renewal decisions are testable. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
