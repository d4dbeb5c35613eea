// Data connections: plain TCP connections a device opens to the relay's public port, one per client connection,
// beside its TLS tunnel. They carry only what the relay's public side already carries in the clear (the client's
// end-to-end TLS bytes), so they need no second encryption layer; what they do need is binding to the device's
// tunnel login. Shared by the relay and the device; pure functions only.
//
// The welcome (sent inside the tunnel's TLS) gives the device a session id and a secret. For its n-th data connection
// the device sends a 40-byte hello: MAGIC | sid (16) | n (u32 BE) | HMAC-SHA256(helloKey, MAGIC|sid|n)[0..16].
// The relay accepts each n once and in increasing order, so a hello seen on the wire cannot be replayed. When it
// gives the connection a client, it first writes the stream's metadata sealed with AES-256-GCM under metaKey with
// nonce n: the device learns who connects (kept off the wire) and knows the relay, not someone on the path, sent it.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { StreamMeta } from './protocol.js';

export const DATA_MAGIC = Buffer.from('HRD1', 'latin1');
export const SESSION_ID_BYTES = 16;
export const SECRET_BYTES = 32;
export const DATA_HELLO_BYTES = DATA_MAGIC.length + SESSION_ID_BYTES + 4 + 16;
const TAG_BYTES = 16;
/** A sealed metadata header is tiny; anything longer is refused before decryption. */
export const MAX_META_BYTES = 512;

export interface DataKeys {
  helloKey: Buffer;
  metaKey: Buffer;
}

export interface DataHello {
  sid: Buffer;
  seq: number;
  mac: Buffer;
}

export type Decision<T> = { kind: 'incomplete' } | { kind: 'invalid'; reason: string } | ({ kind: 'ok' } & T);

const MetaSchema = Type.Object({
  kind: Type.Literal('tls'),
  serverName: Type.String({ minLength: 1, maxLength: 253, pattern: '^[a-z0-9.*-]+$' }),
  remoteAddress: Type.String({ maxLength: 64 }),
}, { additionalProperties: false });

export function deriveDataKeys(secret: Uint8Array, sid: Uint8Array): DataKeys {
  const key = (label: string): Buffer => Buffer.from(hkdfSync('sha256', secret, sid, `hearth data ${label}`, 32));
  return { helloKey: key('hello'), metaKey: key('meta') };
}

function helloMac(helloKey: Buffer, sid: Uint8Array, seq: number): Buffer {
  const n = Buffer.alloc(4);
  n.writeUInt32BE(seq);
  return createHmac('sha256', helloKey).update(DATA_MAGIC).update(sid).update(n).digest().subarray(0, 16);
}

export function encodeDataHello(sid: Uint8Array, seq: number, keys: DataKeys): Buffer {
  if (sid.length !== SESSION_ID_BYTES) throw new Error(`session id must be ${SESSION_ID_BYTES} bytes`);
  if (!Number.isInteger(seq) || seq < 1 || seq > 0xffffffff) throw new Error(`data connection number out of range: ${seq}`);
  const n = Buffer.alloc(4);
  n.writeUInt32BE(seq);
  return Buffer.concat([DATA_MAGIC, sid, n, helloMac(keys.helloKey, sid, seq)]);
}

/** True once `data` starts with the data-connection magic (so it is not a ClientHello, which starts with 0x16). */
export function looksLikeDataHello(data: Uint8Array): boolean {
  const n = Math.min(data.length, DATA_MAGIC.length);
  return n > 0 && Buffer.from(data.subarray(0, n)).equals(DATA_MAGIC.subarray(0, n));
}

/** Reads a hello from the first bytes of a connection. Bytes after the hello are a protocol error. */
export function parseDataHello(data: Uint8Array): Decision<{ hello: DataHello }> {
  if (!looksLikeDataHello(data)) return { kind: 'invalid', reason: 'not a data connection hello' };
  if (data.length < DATA_HELLO_BYTES) return { kind: 'incomplete' };
  if (data.length > DATA_HELLO_BYTES) return { kind: 'invalid', reason: 'bytes after the data connection hello' };
  const buf = Buffer.from(data);
  const sid = buf.subarray(4, 4 + SESSION_ID_BYTES);
  const seq = buf.readUInt32BE(4 + SESSION_ID_BYTES);
  if (seq === 0) return { kind: 'invalid', reason: 'data connection number 0' };
  return { kind: 'ok', hello: { sid, seq, mac: buf.subarray(DATA_HELLO_BYTES - 16) } };
}

export function verifyDataHello(hello: DataHello, keys: DataKeys): boolean {
  return timingSafeEqual(hello.mac, helloMac(keys.helloKey, hello.sid, hello.seq));
}

function nonce(seq: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(seq, 8);
  return iv;
}

/** The header the relay writes before the client's bytes: u16 BE length, then AES-256-GCM(meta JSON) and its tag. */
export function sealMeta(meta: StreamMeta, seq: number, keys: DataKeys): Buffer {
  const cipher = createCipheriv('aes-256-gcm', keys.metaKey, nonce(seq));
  const body = Buffer.concat([cipher.update(JSON.stringify(meta), 'utf8'), cipher.final(), cipher.getAuthTag()]);
  if (body.length > MAX_META_BYTES) throw new Error(`stream metadata too large: ${body.length} bytes`);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length);
  return Buffer.concat([len, body]);
}

/** Opens the relay's header from the first bytes of an assigned connection; `rest` is what followed it. */
export function openMeta(data: Buffer, seq: number, keys: DataKeys): Decision<{ meta: StreamMeta; rest: Buffer }> {
  if (data.length < 2) return { kind: 'incomplete' };
  const len = data.readUInt16BE(0);
  if (len <= TAG_BYTES || len > MAX_META_BYTES) return { kind: 'invalid', reason: `metadata length ${len} out of range` };
  if (data.length < 2 + len) return { kind: 'incomplete' };
  const body = data.subarray(2, 2 + len);
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.metaKey, nonce(seq));
    decipher.setAuthTag(body.subarray(len - TAG_BYTES));
    plain = Buffer.concat([decipher.update(body.subarray(0, len - TAG_BYTES)), decipher.final()]);
  } catch {
    return { kind: 'invalid', reason: 'metadata does not authenticate' };
  }
  let meta: unknown;
  try {
    meta = JSON.parse(plain.toString('utf8'));
  } catch {
    return { kind: 'invalid', reason: 'metadata is not JSON' };
  }
  if (!Value.Check(MetaSchema, meta)) return { kind: 'invalid', reason: 'metadata does not match its schema' };
  return { kind: 'ok', meta, rest: data.subarray(2 + len) };
}
