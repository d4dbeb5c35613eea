// Reads the SNI name and offered ALPN protocols from a TLS ClientHello without consuming it. Needed because the
// certificate must be chosen knowing both: a TLS-ALPN-01 validation (ALPN `acme-tls/1`) for blog.example.com must
// get the challenge certificate while a browser asking for the same name gets the real one, and Node's
// SNICallback runs before it can see the ALPN list. Pure function over the bytes received so far.

export type HelloParse =
  | { state: 'need-more' }
  | { state: 'done'; servername?: string; alpn: string[] }
  | { state: 'error'; reason: string };

/** A ClientHello larger than this is refused (real ones are well under 2 KiB; post-quantum ones under 4 KiB). */
export const MAX_HELLO_BYTES = 16 * 1024;

export function parseClientHello(buf: Buffer): HelloParse {
  // Gather the handshake bytes from consecutive records (a ClientHello may be split across records).
  const handshake: Buffer[] = [];
  let have = 0;
  let offset = 0;
  let needed = -1;
  while (needed < 0 || have < needed) {
    if (buf.length < offset + 5) return more(buf);
    if (buf[offset] !== 0x16) return { state: 'error', reason: 'not a TLS handshake record' };
    const len = buf.readUInt16BE(offset + 3);
    if (buf.length < offset + 5 + len) return more(buf);
    handshake.push(buf.subarray(offset + 5, offset + 5 + len));
    have += len;
    offset += 5 + len;
    if (needed < 0 && have >= 4) {
      const first = Buffer.concat(handshake);
      if (first[0] !== 0x01) return { state: 'error', reason: 'first handshake message is not a ClientHello' };
      needed = 4 + first.readUIntBE(1, 3);
      if (needed > MAX_HELLO_BYTES) return { state: 'error', reason: `ClientHello too large (${needed} bytes)` };
    }
  }
  try {
    return readHello(Buffer.concat(handshake).subarray(4, needed));
  } catch {
    return { state: 'error', reason: 'malformed ClientHello' };
  }
}

function more(buf: Buffer): HelloParse {
  return buf.length > MAX_HELLO_BYTES + 5 * 8 ? { state: 'error', reason: 'ClientHello too large' } : { state: 'need-more' };
}

/** Parses the ClientHello body; throws RangeError on truncation (caught above). */
function readHello(body: Buffer): HelloParse {
  let p = 2 + 32; // client_version, random
  p += 1 + u8(body, p); // session_id
  p += 2 + u16(body, p); // cipher_suites
  p += 1 + u8(body, p); // compression_methods
  const result: { state: 'done'; servername?: string; alpn: string[] } = { state: 'done', alpn: [] };
  if (p === body.length) return result; // no extensions at all
  const extEnd = p + 2 + u16(body, p);
  p += 2;
  while (p + 4 <= extEnd) {
    const type = u16(body, p);
    const len = u16(body, p + 2);
    const data = body.subarray(p + 4, p + 4 + len);
    if (data.length !== len) throw new RangeError('extension truncated');
    if (type === 0) result.servername = readServerName(data);
    else if (type === 16) result.alpn = readAlpn(data);
    p += 4 + len;
  }
  return result;
}

function readServerName(data: Buffer): string | undefined {
  let p = 2;
  const end = 2 + u16(data, 0);
  while (p + 3 <= end) {
    const kind = u8(data, p);
    const len = u16(data, p + 1);
    if (kind === 0) return data.subarray(p + 3, p + 3 + len).toString('ascii').toLowerCase();
    p += 3 + len;
  }
  return undefined;
}

function readAlpn(data: Buffer): string[] {
  const out: string[] = [];
  let p = 2;
  const end = 2 + u16(data, 0);
  while (p < end) {
    const len = u8(data, p);
    out.push(data.subarray(p + 1, p + 1 + len).toString('latin1'));
    p += 1 + len;
  }
  return out;
}

function u8(b: Buffer, p: number): number {
  return b.readUInt8(p);
}

function u16(b: Buffer, p: number): number {
  return b.readUInt16BE(p);
}
