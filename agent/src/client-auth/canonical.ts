// What a signed admin request covers. Both sides build this string byte for byte; any change to the
// method, path, query, body, time, nonce or key id changes it and breaks the signature.
export const SIGNATURE_VERSION = 'HEARTH-SIG-V1';

export const AUTH_HEADERS = {
  keyId: 'x-hearth-key-id',
  timestamp: 'x-hearth-timestamp',
  nonce: 'x-hearth-nonce',
  signature: 'x-hearth-signature',
} as const;

export interface CanonicalRequestParts {
  method: string;
  /** Path and query exactly as sent on the wire (e.g. `/v1/apps?x=1`). */
  url: string;
  /** Lower-case hex SHA-256 of the raw body bytes (of the empty string when there is no body). */
  bodySha256: string;
  /** Milliseconds since the Unix epoch, decimal. */
  timestamp: string;
  nonce: string;
  keyId: string;
}

export function canonicalRequest(p: CanonicalRequestParts): string {
  return [SIGNATURE_VERSION, p.method.toUpperCase(), p.url, p.bodySha256, p.timestamp, p.nonce, p.keyId].join('\n');
}

export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
