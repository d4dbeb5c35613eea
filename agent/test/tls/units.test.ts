// Pure parts of the TLS concept: host names, the renewal schedule, ClientHello parsing (on real ClientHellos
// produced by node:tls), PEM checks, challenge answers and the account file.
import t from 'tap';
import { connect as tlsConnect } from 'node:tls';
import { createServer, type AddressInfo } from 'node:net';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { covers, nameMatches, normaliseHostname, normaliseNames } from '../../src/tls/names.js';
import { backoffDelay, defaultRenewalPolicy, isDue, renewAt } from '../../src/tls/renewal.js';
import { parseClientHello } from '../../src/tls/client-hello.js';
import { checkBundle, parseCombined, serialiseBundle } from '../../src/tls/pem-bundle.js';
import { ChallengeStore } from '../../src/tls/challenges.js';
import { CertStore } from '../../src/tls/cert-store.js';
import { selfSigned } from './fixtures.js';
import { tempDataDir } from './helpers.js';

t.test('host names', async (t) => {
  t.equal(normaliseHostname('Blog.Example.COM.'), 'blog.example.com');
  t.equal(normaliseHostname('*.dev.example.com'), '*.dev.example.com');
  for (const bad of ['', 'localhost', 'a..b', '-a.b', 'a-.b', 'a/b.c', '../etc.passwd', 'x.*.b', 'a'.repeat(64) + '.b']) {
    t.throws(() => normaliseHostname(bad), /invalid host name/, `rejects "${bad}"`);
  }
  t.throws(() => normaliseNames([]), /at least one host name/);
  t.same(normaliseNames(['d.test', 'z.d.test', 'b.d.test', 'D.test', 'b.d.test']), ['d.test', 'b.d.test', 'z.d.test']);
  t.ok(nameMatches('*.d.test', 'blog.d.test'));
  t.notOk(nameMatches('*.d.test', 'd.test'));
  t.notOk(nameMatches('*.d.test', 'a.blog.d.test'));
  t.ok(covers(['d.test', '*.d.test'], ['d.test', 'x.d.test']));
  t.notOk(covers(['d.test'], ['d.test', 'x.d.test']));
});

t.test('renewal schedule', async (t) => {
  const day = 86_400_000;
  const p = { ...defaultRenewalPolicy, jitterFraction: 0.1 };
  t.equal(renewAt(0, 90 * day, p, 0), 60 * day, 'no jitter: at 2/3');
  t.equal(renewAt(0, 90 * day, p, 0.5), 60 * day - 4.5 * day, 'jitter pulls renewal earlier, never later');
  t.notOk(isDue(0, 90 * day, 59 * day, p));
  t.ok(isDue(0, 90 * day, 60 * day, p));
  t.ok(isDue(0, 90 * day, 91 * day, p), 'expired is due');
  const delays = [1, 2, 3, 4, 20].map((n) => backoffDelay(n, p, 1));
  t.same(delays.slice(0, 4), [60_000, 120_000, 240_000, 480_000], 'doubles per failure');
  t.equal(delays[4], p.maxBackoffMs, 'capped');
  t.ok(backoffDelay(1, p, 0) >= 30_000 && backoffDelay(1, p, 0) <= 60_000, 'jittered between half and full');
  t.equal(backoffDelay(20, p, 1, 10 * 60_000), 5 * 60_000, 'never waits past half the remaining lifetime');
});

/** The first bytes a real node:tls client sends. */
async function captureHello(opts: { servername?: string; ALPNProtocols?: string[] }): Promise<Buffer> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const got = new Promise<Buffer>((resolve) => {
    server.once('connection', (sock) => {
      let buf = Buffer.alloc(0);
      sock.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        if (parseClientHello(buf).kind !== 'incomplete') {
          resolve(buf);
          sock.destroy();
        }
      });
    });
  });
  const client = tlsConnect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ...opts });
  client.on('error', () => undefined);
  const hello = await got;
  client.destroy();
  server.close();
  return hello;
}

t.test('ClientHello parsing', async (t) => {
  const hello = await captureHello({ servername: 'Blog.D.Test', ALPNProtocols: ['acme-tls/1', 'http/1.1'] });
  t.same(parseClientHello(hello), { kind: 'ok', serverName: 'blog.d.test', alpn: ['acme-tls/1', 'http/1.1'] });
  for (const cut of [0, 3, 5, 40, hello.length - 1]) {
    t.same(parseClientHello(hello.subarray(0, cut)), { kind: 'incomplete' }, `${cut} bytes: need more`);
  }
  const noSni = await captureHello({});
  t.same(parseClientHello(noSni), { kind: 'ok', alpn: [] }, 'no SNI, no ALPN: the terminator serves its fallback certificate');

  // The same handshake split into two TLS records.
  const body = hello.subarray(5, 5 + hello.readUInt16BE(3));
  const rec = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0x16, 3, 1, b.length >> 8, b.length & 0xff]), b]);
  const split = Buffer.concat([rec(body.subarray(0, 50)), rec(body.subarray(50))]);
  t.same(parseClientHello(split), { kind: 'ok', serverName: 'blog.d.test', alpn: ['acme-tls/1', 'http/1.1'] }, 'split across records');

  t.match(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n\r\n')), { kind: 'invalid', reason: /not handshake/ });
  t.match(parseClientHello(Buffer.from([0x16, 3, 1, 0, 4, 2, 0, 0, 0])), { kind: 'invalid', reason: /not ClientHello/ });
  t.match(parseClientHello(Buffer.from([0x16, 3, 1, 0, 4, 1, 0xff, 0xff, 0xff])), { kind: 'invalid', reason: /size cap/ });
  t.match(parseClientHello(rec(Buffer.from([1, 0, 0, 6, 3, 3, 0, 0, 0, 0]))), { kind: 'invalid', reason: /truncated/ });
  // The strict checks the relay relies on hold on the device too (one parser): a name that is not a host name.
  const badName = Buffer.from(hello);
  const at = badName.indexOf('Blog.D.Test', 0, 'latin1');
  t.ok(at > 0, 'the name is in the captured ClientHello as sent');
  badName.write('blog_d.test', at, 'latin1');
  t.match(parseClientHello(badName), { kind: 'invalid', reason: /not a valid host name/ });
});

t.test('PEM checks', async (t) => {
  const dir = await tempDataDir(t);
  const a = selfSigned(dir, 'a', ['a.test', '*.a.test']);
  const b = selfSigned(dir, 'b', ['b.test']);
  const ok = checkBundle(a.keyPem, a.certPem, ['a.test', 'x.a.test'], Date.now());
  t.ok(ok.ok, 'self-signed single certificate is a complete chain');
  t.match(checkBundle(a.keyPem, a.certPem, ['b.test'], Date.now()), { ok: false, reason: /not all of \[b.test\]/ });
  t.match(checkBundle(b.keyPem, a.certPem, ['a.test'], Date.now()), { ok: false, reason: /does not match/ });
  t.match(checkBundle('nope', a.certPem, ['a.test'], Date.now()), { ok: false, reason: /private key does not parse/ });
  t.match(checkBundle(a.keyPem, 'nope', ['a.test'], Date.now()), { ok: false, reason: /no certificate/ });
  t.match(checkBundle(a.keyPem, a.certPem, ['a.test'], Date.now() + 10 * 86_400_000), { ok: false, reason: /expired/ });
  t.match(checkBundle(a.keyPem, a.certPem + b.certPem, ['a.test'], Date.now()), { ok: false, reason: /chain broken/ });
  t.match(parseCombined(serialiseBundle(a.keyPem, a.certPem), ['a.test'], Date.now()), { ok: true });
  t.match(parseCombined(a.keyPem + b.keyPem + a.certPem, ['a.test'], Date.now()), { ok: false, reason: /one private key, found 2/ });
  t.match(parseCombined(a.keyPem, ['a.test'], Date.now()), { ok: false, reason: /no certificate in file/ });
});

t.test('HTTP-01 answers', async (t) => {
  const store = new ChallengeStore();
  t.throws(() => store.setHttpToken('../x', 'k'), /invalid HTTP-01 token/);
  store.setHttpToken('tok_1', 'tok_1.thumb');
  const res = (): { status?: number; body?: string; writeHead: (s: number) => unknown; end: (b?: string) => void } => {
    const r = {
      status: undefined as number | undefined, body: undefined as string | undefined,
      writeHead(s: number) { r.status = s; return r; },
      end(b?: string) { r.body = b; },
    };
    return r;
  };
  const call = (url: string, method = 'GET') => {
    const r = res();
    const handled = store.handleHttp({ url, method } as never, r as never);
    return { handled, status: r.status, body: r.body };
  };
  t.same(call('/index.html'), { handled: false, status: undefined, body: undefined });
  t.same(call('/.well-known/acme-challenge/tok_1'), { handled: true, status: 200, body: 'tok_1.thumb' });
  t.same(call('/.well-known/acme-challenge/tok_1?x=1', 'HEAD'), { handled: true, status: 200, body: undefined });
  t.match(call('/.well-known/acme-challenge/tok_1', 'POST'), { handled: true, status: 404 });
  store.removeHttpToken('tok_1');
  t.match(call('/.well-known/acme-challenge/tok_1'), { handled: true, status: 404 });
});

t.test('account file: schema, directory binding, permissions', async (t) => {
  const dataDir = await tempDataDir(t);
  const store = new CertStore(dataDir);
  const url = 'https://acme.test/dir';
  t.equal(await store.readAccount(url), undefined);
  const keyPem = selfSigned(dataDir, 'acct', ['acct.test']).keyPem;
  await store.writeAccount({ directoryUrl: url, accountUrl: 'https://acme.test/acct/1', keyPem });
  t.same(await store.readAccount(url), { directoryUrl: url, accountUrl: 'https://acme.test/acct/1', keyPem });
  const path = store.accountPath(url);
  await chmod(path, 0o644);
  await store.readAccount(url);
  t.equal((await stat(path)).mode & 0o777, 0o600, 'loose permissions are tightened on read');
  const good = await readFile(path, 'utf8');
  await writeFile(path, '{not json');
  await t.rejects(store.readAccount(url), new RegExp(`${path}: ACME account file is not valid JSON`));
  await writeFile(path, JSON.stringify({ directoryUrl: url, accountUrl: 'x' }));
  await t.rejects(store.readAccount(url), /does not match its schema/);
  await writeFile(path, good.replace(url, 'https://other.test/dir'));
  await t.rejects(store.readAccount(url), /account belongs to https:\/\/other.test\/dir/);
  t.throws(() => store.certPath('../../etc/passwd'), /invalid host name/);
  t.match(store.certPath('*.d.test'), /_wildcard\.d\.test\.pem$/);
});
