// A small strict parser for the TLS ClientHello: the server_name and the offered ALPN protocols, read without
// consuming or decrypting anything. One parser for both ends of the path: the relay reads the SNI to pick a device
// (relay/src/sni.ts), the device's TLS terminator reads both because the certificate depends on both (a TLS-ALPN-01
// validation, ALPN `acme-tls/1`, for blog.example.com gets the challenge certificate while a browser asking for the
// same name gets the real one, and Node's SNICallback runs before it can see the ALPN list). Strict because the
// input is hostile: every length is checked against its container, and anything odd is rejected rather than
// guessed at. A ClientHello may span several handshake records (large post-quantum key shares): fragments are
// reassembled. Pure function over the bytes received so far.

/** A ClientHello larger than this is refused (real ones are well under 2 KiB; post-quantum ones under 4 KiB). */
export const MAX_CLIENT_HELLO_BYTES = 16 * 1024;

/** The ALPN protocol of ACME's TLS-ALPN-01 validation (RFC 8737). */
export const ACME_TLS_ALPN = 'acme-tls/1';

export interface ClientHello {
  /** Lower-cased and a valid host name when present; absent when the client sent no server_name. */
  serverName?: string;
  alpn: string[];
}

export type ClientHelloParse = { kind: 'incomplete' } | ({ kind: 'ok' } & ClientHello) | { kind: 'invalid'; reason: string };

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Parses as much of `data` (the first bytes a client sent) as is there. */
export function parseClientHello(data: Uint8Array, maxBytes = MAX_CLIENT_HELLO_BYTES): ClientHelloParse {
  const handshake: Uint8Array[] = [];
  let handshakeLength = 0;
  let offset = 0;
  let needed = -1; // total handshake message length once known
  while (true) {
    if (offset + 5 > data.length) return data.length > maxBytes ? invalid('ClientHello exceeds size cap') : incomplete;
    const contentType = data[offset]!;
    const major = data[offset + 1]!;
    const minor = data[offset + 2]!;
    const recordLength = (data[offset + 3]! << 8) | data[offset + 4]!;
    if (contentType !== 0x16) return invalid(`record type ${contentType} is not handshake`);
    if (major !== 3 || minor > 4) return invalid(`record version ${major}.${minor} unsupported`);
    if (recordLength === 0 || recordLength > 16384) return invalid(`record length ${recordLength} out of range`);
    if (offset + 5 + recordLength > maxBytes) return invalid('ClientHello exceeds size cap');
    if (offset + 5 + recordLength > data.length) return incomplete;
    handshake.push(data.subarray(offset + 5, offset + 5 + recordLength));
    handshakeLength += recordLength;
    offset += 5 + recordLength;
    if (needed < 0 && handshakeLength >= 4) {
      const head = concat(handshake, 4);
      if (head[0] !== 0x01) return invalid(`handshake type ${head[0]} is not ClientHello`);
      needed = 4 + ((head[1]! << 16) | (head[2]! << 8) | head[3]!);
      if (needed > maxBytes) return invalid('ClientHello exceeds size cap');
    }
    if (needed >= 0 && handshakeLength >= needed) {
      return parseBody(concat(handshake, handshakeLength).subarray(4, needed));
    }
  }
}

const incomplete: ClientHelloParse = { kind: 'incomplete' };
function invalid(reason: string): ClientHelloParse {
  return { kind: 'invalid', reason };
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!.subarray(0, length);
  return Buffer.concat(parts).subarray(0, length);
}

/** Cursor over a byte range; every read is bounds-checked. */
class Reader {
  constructor(private readonly buf: Uint8Array, private pos = 0, private readonly end = buf.length) {}
  get remaining(): number {
    return this.end - this.pos;
  }
  u8(): number {
    if (this.remaining < 1) throw new RangeError('truncated');
    return this.buf[this.pos++]!;
  }
  u16(): number {
    return (this.u8() << 8) | this.u8();
  }
  bytes(n: number): Uint8Array {
    if (n > this.remaining) throw new RangeError('truncated');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  sub(n: number): Reader {
    const r = new Reader(this.buf, this.pos, this.pos + n);
    if (n > this.remaining) throw new RangeError('truncated');
    this.pos += n;
    return r;
  }
}

function parseBody(body: Uint8Array): ClientHelloParse {
  try {
    const r = new Reader(body);
    const major = r.u8();
    r.u8();
    if (major !== 3) return invalid('client version is not TLS');
    r.bytes(32); // random
    const sessionIdLength = r.u8();
    if (sessionIdLength > 32) return invalid('session id longer than 32 bytes');
    r.bytes(sessionIdLength);
    const suitesLength = r.u16();
    if (suitesLength < 2 || suitesLength % 2 !== 0) return invalid('bad cipher suites length');
    r.bytes(suitesLength);
    const compressionLength = r.u8();
    if (compressionLength < 1) return invalid('no compression methods');
    r.bytes(compressionLength);
    if (r.remaining === 0) return { kind: 'ok', alpn: [] }; // no extensions at all
    const extensions = r.sub(r.u16());
    if (r.remaining !== 0) return invalid('trailing bytes after extensions');
    let serverName: string | undefined;
    let alpn: string[] = [];
    const seen = new Set<number>();
    while (extensions.remaining > 0) {
      const type = extensions.u16();
      const ext = extensions.sub(extensions.u16());
      if (seen.has(type)) return invalid(`duplicate extension ${type}`);
      seen.add(type);
      if (type === 16) {
        alpn = readAlpn(ext);
        continue;
      }
      if (type !== 0) continue;
      const list = ext.sub(ext.u16());
      if (ext.remaining !== 0) return invalid('trailing bytes in server_name extension');
      while (list.remaining > 0) {
        const nameType = list.u8();
        const name = list.bytes(list.u16());
        if (nameType !== 0) continue;
        if (serverName !== undefined) return invalid('more than one host_name');
        serverName = Buffer.from(name).toString('latin1').toLowerCase();
      }
    }
    if (serverName === undefined) return { kind: 'ok', alpn };
    if (!HOSTNAME.test(serverName)) return invalid('server_name is not a valid host name');
    return { kind: 'ok', serverName, alpn };
  } catch (err) {
    if (err instanceof RangeError) return invalid('truncated or inconsistent lengths');
    throw err;
  }
}

/** The protocols an ALPN extension (RFC 7301) offers, in the client's order. */
function readAlpn(ext: Reader): string[] {
  const list = ext.sub(ext.u16());
  if (ext.remaining !== 0) throw new RangeError('trailing bytes in ALPN extension');
  const out: string[] = [];
  while (list.remaining > 0) {
    const name = list.bytes(list.u8());
    if (name.length === 0) throw new RangeError('empty ALPN protocol name');
    out.push(Buffer.from(name).toString('latin1'));
  }
  return out;
}
