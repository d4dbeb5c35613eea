// Pure relay parts: config validation, port-80 request heads, login rate limits, which silent connection makes room,
// RESP parsing, the memory store.
import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildConfig, loadConfigFile, resolveConfig } from '../src/config.js';
import { isAcmeChallenge, parseHttpHead, redirectResponse } from '../src/http-head.js';
import { PendingConnections } from '../src/pending.js';
import { RateLimiter } from '../src/rate-limit.js';
import { MemoryRouteStore } from '../src/store/memory.js';
import { parseReply } from '../src/store/resp.js';
import { routeKeys } from '../src/store/types.js';
import { tempDir } from './fixtures.js';

t.test('config: defaults merged, errors name the field, YAML and JSON files', async (t) => {
  const c = buildConfig({ relayName: 'r.example', zone: 'z.example', tunnelTls: { cert: 'c', key: 'k' } });
  t.equal(c.listen.https, 443);
  t.equal(c.limits.clientHelloBytes, 16384);
  t.throws(() => resolveConfig({ relayName: 'r', zone: 'z', tunnelTls: { cert: 'c', key: 'k' }, limits: { clientHelloBytes: 10 } }), /\/limits\/clientHelloBytes/);
  t.throws(() => resolveConfig({ relayName: 'r', zone: 'z', tunnelTls: { cert: 'c', key: 'k' }, bogus: 1 }), /invalid relay config/);
  t.throws(() => resolveConfig([]), /must be an object/);
  const dir = await tempDir(t);
  await writeFile(join(dir, 'a.yaml'), 'relayName: r\nzone: z\ntunnelTls: { cert: c, key: k }\nlisten: { https: 8443 }\n');
  t.equal((await loadConfigFile(join(dir, 'a.yaml'))).listen.https, 8443);
  await writeFile(join(dir, 'b.json'), '{"relayName": ');
  await t.rejects(loadConfigFile(join(dir, 'b.json')), /cannot parse relay config/);
});

t.test('port-80 heads: ACME passthrough, redirect keeps path, bad heads rejected', async (t) => {
  const ok = parseHttpHead(Buffer.from('GET /.well-known/acme-challenge/abc HTTP/1.1\r\nHost: App.Example:80\r\n\r\n'));
  t.match(ok, { kind: 'ok', head: { method: 'GET', host: 'app.example' } });
  if (ok.kind === 'ok') t.ok(isAcmeChallenge(ok.head));
  t.equal(parseHttpHead(Buffer.from('GET / HTTP/1.1\r\nHost: a')).kind, 'incomplete');
  t.match(parseHttpHead(Buffer.alloc(9000, 65)), { kind: 'invalid', reason: /too large/ });
  t.match(parseHttpHead(Buffer.from('GET / HTTP/1.1\r\n\r\n')), { kind: 'invalid', reason: /Host/ });
  t.match(parseHttpHead(Buffer.from('GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n')), { kind: 'invalid', reason: /more than one/ });
  t.match(parseHttpHead(Buffer.from('BLAH\r\n\r\n')), { kind: 'invalid', reason: /request line/ });
  t.equal(redirectResponse({ method: 'POST', target: '/x?y=1', host: 'a.example' }).split('\r\n')[1], 'Location: https://a.example/x?y=1');
  t.notOk(isAcmeChallenge({ method: 'POST', target: '/.well-known/acme-challenge/x', host: 'a' }));
});

t.test('rate limiter: burst, refill by clock, bounded key count', async (t) => {
  let now = 0;
  const rl = new RateLimiter({ capacity: 2, refillPerSecond: 1, maxKeys: 3 }, { now: () => now });
  t.ok(rl.take('a'));
  t.ok(rl.take('a'));
  t.notOk(rl.take('a'));
  now = 1000;
  t.ok(rl.take('a'));
  for (const k of ['b', 'c', 'd', 'e']) rl.take(k);
  t.ok(rl.take('a'), 'evicted key starts full again');
});

t.test('pending connections: the oldest one that has waited long enough makes room, once', async (t) => {
  let now = 0;
  const pending = new PendingConnections<string>({ now: () => now }, 1000);
  t.equal(pending.takeEvictable(), undefined, 'nothing pending');
  pending.add('a');
  now = 400;
  pending.add('b');
  pending.add('c');
  now = 999;
  t.equal(pending.takeEvictable(), undefined, 'the oldest has waited 999 ms: no one is evicted');
  now = 1000;
  t.equal(pending.takeEvictable(), 'a', 'the oldest, after 1 s');
  t.equal(pending.takeEvictable(), undefined, 'b has waited 600 ms');
  pending.delete('b'); // its hello arrived
  now = 1400;
  t.equal(pending.takeEvictable(), 'c');
  t.equal(pending.size, 0);
  pending.delete('c'); // closing after eviction is harmless
  t.equal(pending.size, 0);
});

t.test('RESP replies', async (t) => {
  t.same(parseReply(Buffer.from('+OK\r\n'), 0), { value: 'OK', next: 5 });
  t.same(parseReply(Buffer.from('$3\r\nabc\r\n'), 0), { value: 'abc', next: 9 });
  t.equal(parseReply(Buffer.from('$3\r\nab'), 0), null);
  t.same(parseReply(Buffer.from('$-1\r\n'), 0), { value: null, next: 5 });
  t.same(parseReply(Buffer.from('*2\r\n:1\r\n$1\r\nx\r\n'), 0)?.value, [1, 'x']);
  t.match(parseReply(Buffer.from('-ERR bad\r\n'), 0)?.value, { message: 'ERR bad' });
  t.throws(() => parseReply(Buffer.from('?\r\n'), 0), /unexpected RESP/);
});

t.test('memory store mirrors redis semantics; route keys', async (t) => {
  let now = 0;
  const s = new MemoryRouteStore({ now: () => now });
  t.same(await s.claim('n', { deviceId: 'd1', nodeId: 'x' }, 100), { ok: true });
  t.same(await s.claim('n', { deviceId: 'd2', nodeId: 'x' }, 100), { ok: false, holder: { deviceId: 'd1', nodeId: 'x' } });
  now = 200;
  t.same(await s.claim('n', { deviceId: 'd2', nodeId: 'x' }, 100), { ok: true }, 'expired claim is free');
  await s.release('n', { deviceId: 'd1', nodeId: 'x' });
  t.same(await s.lookup('n'), { deviceId: 'd2', nodeId: 'x' });
  await s.setNode('x', 'h:1', 100);
  t.equal(await s.getNode('x'), 'h:1');
  t.same(routeKeys('app.dev.zone'), ['app.dev.zone', '*.dev.zone']);
  t.same(routeKeys('localhost'), ['localhost']);
});

t.test('peek: a connection destroyed mid-header rejects at once, not at the deadline', async (t) => {
  const { createServer, connect } = await import('node:net');
  const { peek } = await import('../src/peek.js');
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const accepted = new Promise<import('node:net').Socket>((r) => server.once('connection', r));
  const client = connect((server.address() as import('node:net').AddressInfo).port, '127.0.0.1');
  t.teardown(() => client.destroy());
  const socket = await accepted;
  const started = Date.now();
  const peeking = peek(socket, () => ({ kind: 'incomplete' as const }), 1024, 60_000);
  socket.destroy();
  await t.rejects(peeking, /closed before a complete header/);
  t.ok(Date.now() - started < 30_000, 'rejected long before the 60 s deadline');
});
