// The TLS terminator without a CA: certificate choice by SNI (and for clients without SNI), TLS-ALPN-01 challenge
// certificates only for clients offering acme-tls/1, HTTP upgrades, the port-80 handler, bad input, and the same
// code path for Duplex streams that are not sockets (as the tunnel delivers them).
import t from 'tap';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { connect as netConnect, createServer, type AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { Duplex, PassThrough } from 'node:stream';
import { request } from 'node:http';
import { TlsTerminator } from '../../src/tls/index.js';
import { StaticSource, selfSigned } from './fixtures.js';
import { captureLogger, tempDataDir } from './helpers.js';

const dir = await tempDataDir(t);
const a = selfSigned(dir, 'a', ['a.test', '*.a.test']);
const b = selfSigned(dir, 'b', ['b.test']);
const alpn = selfSigned(dir, 'alpn', ['b.test']);
const source = new StaticSource();
source.add(a.keyPem, a.certPem, ['a.test']);
source.add(b.keyPem, b.certPem, ['b.test']);
const log = captureLogger();
const upgrades: string[] = [];
const terminator = new TlsTerminator({
  source, logger: log.logger, helloTimeoutMs: 500, handshakeTimeoutMs: 500,
  handler: (req, res) => res.end(`app ${req.headers.host} ${req.url}`),
  upgrade: (req, socket) => {
    upgrades.push(String(req.headers.upgrade));
    socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nupgraded');
  },
});
t.teardown(() => terminator.close());
const { port } = await terminator.listenLocal(0, '127.0.0.1');
const plain = await terminator.listenLocalPlain(0, '127.0.0.1');
const fp = (pem: string): string => new X509Certificate(pem).fingerprint256;

function handshake(opts: { servername?: string; ALPNProtocols?: string[]; socket?: Duplex }): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts }, () => resolve(s));
    s.once('error', reject);
    s.once('close', () => reject(new Error('closed before handshake')));
  });
}

function exchange(s: TLSSocket, text: string): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    s.on('data', (c: Buffer) => (out += c.toString()));
    s.on('end', () => resolve(out));
    s.on('close', () => resolve(out));
    s.write(text);
  });
}

t.test('certificate per SNI name, fallback without SNI', async (t) => {
  for (const [name, want] of [['a.test', a], ['blog.a.test', a], ['b.test', b], ['unknown.test', a]] as const) {
    const s = await handshake({ servername: name, ALPNProtocols: ['http/1.1'] });
    t.equal(s.getPeerX509Certificate()?.fingerprint256, fp(want.certPem), `${name}`);
    t.equal(s.alpnProtocol, 'http/1.1');
    const res = await exchange(s, `GET /x HTTP/1.1\r\nHost: ${name}\r\nConnection: close\r\n\r\n`);
    t.match(res, new RegExp(`app ${name.replace(/\./g, '\\.')} /x$`));
  }
  const noSni = await handshake({});
  t.equal(noSni.getPeerX509Certificate()?.fingerprint256, fp(a.certPem), 'no SNI: fallback certificate');
  noSni.destroy();
});

t.test('acme-tls/1 gets the challenge certificate only while a challenge is pending', async (t) => {
  await t.rejects(handshake({ servername: 'b.test', ALPNProtocols: ['acme-tls/1'] }), 'no pending challenge: closed');
  source.challenges.setAlpnCertificate('b.test', alpn.keyPem, alpn.certPem);
  const s = await handshake({ servername: 'b.test', ALPNProtocols: ['acme-tls/1'] });
  t.equal(s.getPeerX509Certificate()?.fingerprint256, fp(alpn.certPem), 'challenge certificate');
  t.equal(s.alpnProtocol, 'acme-tls/1');
  await new Promise((r) => s.once('close', r));
  t.pass('validation connection closed by the device after the handshake');
  const normal = await handshake({ servername: 'b.test', ALPNProtocols: ['h2', 'http/1.1'] });
  t.equal(normal.getPeerX509Certificate()?.fingerprint256, fp(b.certPem), 'browsers still get the real certificate');
  normal.destroy();
  source.challenges.removeAlpnCertificate('b.test');
  t.ok(log.text().includes('answered TLS-ALPN-01 validation'));
});

t.test('upgrades reach the upgrade handler', async (t) => {
  const s = await handshake({ servername: 'a.test' });
  const res = await exchange(s, 'GET /ws HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
  t.match(res, /^HTTP\/1.1 101[\s\S]*upgraded$/);
  t.same(upgrades, ['echo']);
});

t.test('garbage, silence and early close are dropped', async (t) => {
  const gone = (send?: string): Promise<void> => new Promise((resolve) => {
    const s = netConnect(port, '127.0.0.1', () => (send === undefined ? undefined : s.end(send)));
    s.on('error', () => undefined);
    s.resume().once('close', () => resolve());
  });
  await gone('GET / HTTP/1.1\r\nHost: a.test\r\n\r\n');
  t.pass('plain HTTP on the TLS port: closed');
  await gone();
  t.pass('silent peer: closed after the hello timeout');
  await gone('\x16\x03\x01');
  t.pass('half a record then EOF: closed');
  // A complete ClientHello, then nothing: TLS starts and the handshake timer drops the peer.
  const hello = await new Promise<Buffer>((resolve) => {
    const sink = createServer((sock) => sock.once('data', (c: Buffer) => { resolve(c); sock.destroy(); }));
    sink.listen(0, '127.0.0.1', () => {
      const c = tlsConnect({ host: '127.0.0.1', port: (sink.address() as AddressInfo).port, servername: 'a.test' });
      c.on('error', () => sink.close());
    });
  });
  await new Promise<void>((resolve) => {
    const s = netConnect(port, '127.0.0.1', () => s.write(hello));
    s.on('error', () => undefined);
    s.resume().once('close', () => resolve());
  });
  t.ok(log.text().includes('TLS handshake timed out'), 'stalled handshake: closed by the handshake timeout');
});

t.test('a non-socket Duplex (as from the tunnel) is served the same way', async (t) => {
  // Two PassThroughs joined crosswise: one end to the terminator, the other to a TLS client.
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  const serverEnd = Duplex.from({ readable: toServer, writable: toClient });
  const clientEnd = Duplex.from({ readable: toClient, writable: toServer });
  terminator.handleConnection(serverEnd);
  const s = await new Promise<TLSSocket>((resolve, reject) => {
    const c = tlsConnect({ socket: clientEnd, servername: 'blog.a.test', rejectUnauthorized: false }, () => resolve(c));
    c.once('error', reject);
  });
  t.equal(s.getPeerX509Certificate()?.fingerprint256, fp(a.certPem));
  const res = await exchange(s, 'GET /tunnel HTTP/1.1\r\nHost: blog.a.test\r\nConnection: close\r\n\r\n');
  t.match(res, /app blog\.a\.test \/tunnel$/);
});

t.test('a stream from a data connection (refuseAcme) never answers an ACME validation, but serves browsers', async (t) => {
  source.challenges.setAlpnCertificate('b.test', alpn.keyPem, alpn.certPem);
  t.teardown(() => source.challenges.removeAlpnCertificate('b.test'));
  const over = (ALPNProtocols: string[]): Promise<TLSSocket> => {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    terminator.handleConnection(Duplex.from({ readable: toServer, writable: toClient }), { refuseAcme: true });
    return new Promise<TLSSocket>((resolve, reject) => {
      const c = tlsConnect({ socket: Duplex.from({ readable: toClient, writable: toServer }), servername: 'b.test', ALPNProtocols, rejectUnauthorized: false }, () => resolve(c));
      c.once('error', reject);
      c.once('close', () => reject(new Error('closed before the handshake')));
    });
  };
  await t.rejects(over(['acme-tls/1']), 'validation refused although a challenge is pending');
  t.ok(log.text().includes('ACME validation over a path that is not authenticated'));
  const browser = await over(['h2', 'http/1.1']);
  t.equal(browser.getPeerX509Certificate()?.fingerprint256, fp(b.certPem));
  browser.destroy();
});

t.test('port 80: HTTP-01 answers, redirect to https, bad Host refused', async (t) => {
  source.challenges.setHttpToken('tok', 'tok.key');
  const get = (path: string, host: string): Promise<{ status: number; location?: string; body: string }> =>
    new Promise((resolve, reject) => {
      request({ host: '127.0.0.1', port: plain.port, path, headers: { host } }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () =>
          resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
      }).on('error', reject).end();
    });
  t.match(await get('/.well-known/acme-challenge/tok', 'a.test'), { status: 200, body: 'tok.key' });
  t.match(await get('/.well-known/acme-challenge/nope', 'a.test'), { status: 404 });
  t.match(await get('/page?q=1', 'Blog.A.test:80'), { status: 308, location: 'https://blog.a.test/page?q=1' });
  t.match(await get('/', 'evil"host'), { status: 400 });
});

t.test('no certificate at all: connections are closed, not crashed', async (t) => {
  const empty = new StaticSource();
  const lonely = new TlsTerminator({ source: empty, logger: log.logger, handler: (_q, r) => r.end() });
  t.teardown(() => lonely.close());
  const addr: AddressInfo = await lonely.listenLocal(0, '127.0.0.1');
  await t.rejects(new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port: addr.port, servername: 'a.test', rejectUnauthorized: false }, () => resolve(s));
    s.once('error', reject);
  }));
  t.ok(log.text().includes('no certificate for this name'));
});
