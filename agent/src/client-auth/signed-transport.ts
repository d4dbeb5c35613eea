// Wraps a Transport so every request carries the paired client's signature (docs/PAIRING.md, "Signed admin
// requests"). Browser-safe. The signature covers the exact body bytes, so a streamed body is read into memory
// first (admin bodies are small; the device refuses bodies over 1 MiB anyway) and the same bytes are sent.
import type { Transport, TransportRequest } from '../client/transport.js';
import type { RequestSigner } from './signer.js';

export interface SignedTransportOptions {
  /** Largest body this transport will buffer to sign; larger bodies are refused before anything is sent. */
  maxBodyBytes?: number;
}

export function signedTransport(inner: Transport, signer: RequestSigner, opts: SignedTransportOptions = {}): Transport {
  const max = opts.maxBodyBytes ?? 1024 * 1024;
  return async (req) => {
    const body = await bufferBody(req.body, max);
    const headers = await signer.sign({ method: req.method, url: req.path, body });
    return inner({ ...req, headers: { ...req.headers, ...headers }, body });
  };
}

async function bufferBody(body: TransportRequest['body'], max: number): Promise<string | Uint8Array | undefined> {
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) {
    const size = body === undefined ? 0 : typeof body === 'string' ? new TextEncoder().encode(body).length : body.length;
    if (size > max) throw new Error(`request body of ${size} bytes is over the ${max}-byte limit for signed requests`);
    return body;
  }
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) throw new Error(`request body is over the ${max}-byte limit for signed requests`);
    parts.push(chunk);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
