// The data-connection hello and sealed metadata (agent/src/tunnel/data-conn-protocol.ts): round trips, and every way a
// hostile peer or a replaying observer could get a connection accepted or a stream mislabelled is refused.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import {
  DATA_HELLO_BYTES, deriveDataKeys, encodeDataHello, looksLikeDataHello, openMeta, parseDataHello, sealMeta, verifyDataHello,
} from '../../src/tunnel/data-conn-protocol.js';

const sid = randomBytes(16);
const keys = deriveDataKeys(randomBytes(32), sid);
const meta = { kind: 'tls' as const, serverName: 'blog.abc.relay.test', remoteAddress: '203.0.113.9' };

t.test('hello: round trip, MAC bound to key, session and number', async (t) => {
  const hello = encodeDataHello(sid, 7, keys);
  t.equal(hello.length, DATA_HELLO_BYTES);
  t.ok(looksLikeDataHello(hello.subarray(0, 2)), 'recognised from its first bytes');
  t.notOk(looksLikeDataHello(Buffer.from([0x16, 0x03, 0x01])), 'a TLS record is not a hello');
  const parsed = parseDataHello(hello);
  if (parsed.kind !== 'ok') throw new Error(`expected ok, got ${parsed.kind}`);
  t.equal(parsed.hello.seq, 7);
  t.same(parsed.hello.sid, sid);
  t.ok(verifyDataHello(parsed.hello, keys));
  t.notOk(verifyDataHello(parsed.hello, deriveDataKeys(randomBytes(32), sid)), 'another session secret');
  const renumbered = Buffer.from(hello);
  renumbered.writeUInt32BE(8, 20);
  const p2 = parseDataHello(renumbered);
  t.ok(p2.kind === 'ok' && !verifyDataHello(p2.hello, keys), 'the number is covered by the MAC');
  const otherSid = Buffer.from(hello);
  otherSid[5]! ^= 1;
  const p3 = parseDataHello(otherSid);
  t.ok(p3.kind === 'ok' && !verifyDataHello(p3.hello, keys), 'the session id is covered by the MAC');
});

t.test('hello: partial, trailing bytes, number 0, bad magic', async (t) => {
  const hello = encodeDataHello(sid, 1, keys);
  t.equal(parseDataHello(hello.subarray(0, 39)).kind, 'incomplete');
  t.match(parseDataHello(Buffer.concat([hello, Buffer.from('x')])), { kind: 'invalid', reason: /after the data connection hello/ });
  const zero = Buffer.from(hello);
  zero.writeUInt32BE(0, 20);
  t.match(parseDataHello(zero), { kind: 'invalid', reason: /number 0/ });
  t.match(parseDataHello(Buffer.from('HRD2xxxx')), { kind: 'invalid' });
  t.throws(() => encodeDataHello(sid, 0, keys), /out of range/);
  t.throws(() => encodeDataHello(sid.subarray(1), 1, keys), /16 bytes/);
});

t.test('metadata: sealed for one connection number, tamper-evident, schema-checked', async (t) => {
  const sealed = sealMeta(meta, 3, keys);
  const rest = Buffer.from([0x16, 0x03, 0x01]);
  const opened = openMeta(Buffer.concat([sealed, rest]), 3, keys);
  t.match(opened, { kind: 'ok', meta });
  t.same(opened.kind === 'ok' && opened.rest, rest, 'bytes after the header are handed back');
  t.notOk(sealed.includes(Buffer.from(meta.remoteAddress)), 'the client address is not on the wire in clear');
  t.equal(openMeta(sealed.subarray(0, sealed.length - 1), 3, keys).kind, 'incomplete');
  t.match(openMeta(sealed, 4, keys), { kind: 'invalid', reason: /authenticate/ }, 'header of another connection');
  const flipped = Buffer.from(sealed);
  flipped[5]! ^= 1;
  t.match(openMeta(flipped, 3, keys), { kind: 'invalid', reason: /authenticate/ });
  t.match(openMeta(Buffer.from([0xff, 0xff]), 3, keys), { kind: 'invalid', reason: /length/ }, 'oversized length refused before reading');
  const plainHttp = sealMeta({ ...meta, kind: 'http' } as never, 3, keys);
  t.match(openMeta(plainHttp, 3, keys), { kind: 'invalid', reason: /schema/ }, 'only TLS clients travel on data connections');
});
