// Signs admin requests with the client's P-256 key through WebCrypto (`crypto.subtle`): works in the PWA and in
// Node ≥ 20 (the CLI), where globalThis.crypto.subtle is the same API.
import { AUTH_HEADERS, canonicalRequest } from './canonical.js';
import { bytesToHex, toBase64Url, utf8 } from './encoding.js';
import { CLIENT_SIGN_ALGORITHM } from './keys.js';

export interface RequestToSign {
  method: string;
  /** Path + query exactly as it will be sent. */
  url: string;
  body?: Uint8Array | string;
}

export interface RequestSigner {
  /** Returns the four auth headers to add to the request. */
  sign(req: RequestToSign): Promise<Record<string, string>>;
}

export interface RequestSignerOptions {
  keyId: string;
  privateKey: CryptoKey;
  now?: () => number;
  subtle?: SubtleCrypto;
}

export function createRequestSigner(opts: RequestSignerOptions): RequestSigner {
  const subtle = opts.subtle ?? globalThis.crypto.subtle;
  const now = opts.now ?? Date.now;
  return {
    async sign(req) {
      // Copied into a fresh ArrayBuffer-backed array: WebCrypto refuses views over SharedArrayBuffer.
      const body = typeof req.body === 'string' ? utf8(req.body) : new Uint8Array(req.body ?? new Uint8Array());
      const bodySha256 = bytesToHex(new Uint8Array(await subtle.digest('SHA-256', body)));
      const nonceBytes = new Uint8Array(16);
      globalThis.crypto.getRandomValues(nonceBytes);
      const nonce = toBase64Url(nonceBytes);
      const timestamp = String(Math.floor(now()));
      const text = canonicalRequest({ method: req.method, url: req.url, bodySha256, timestamp, nonce, keyId: opts.keyId });
      const signature = new Uint8Array(await subtle.sign(CLIENT_SIGN_ALGORITHM, opts.privateKey, utf8(text)));
      return {
        [AUTH_HEADERS.keyId]: opts.keyId,
        [AUTH_HEADERS.timestamp]: timestamp,
        [AUTH_HEADERS.nonce]: nonce,
        [AUTH_HEADERS.signature]: toBase64Url(signature),
      };
    },
  };
}
