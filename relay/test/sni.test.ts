// The SNI parser against real ClientHellos captured from node:tls, curl and openssl s_client (each connects to a
// capture socket in the test), plus every truncation, re-fragmentation, corruption and oversize case.
import t from 'tap';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { readSni } from '../src/sni.js';

/** Listens on an ephemeral port, runs `connect(port)`, returns the first bytes the client sent. */
async function capture(connect: (port: number) => () => void): Promise<Buffer> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  let stop: () => void = () => undefined;
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no ClientHello captured')), 10_000);
    server.once('connection', (socket) => {
      let data = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
        if (readSni(data).kind !== 'incomplete' || data.length > 20_000) {
          clearTimeout(timer);
          socket.destroy();
          resolve(data);
        }
      });
      socket.on('error', () => undefined);
    });
    stop = connect(port);
  });
  stop();
  server.close();
  return bytes;
}

function runTool(cmd: string, args: string[]): () => void {
  const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'ignore'] });
  child.on('error', () => undefined);
  return () => child.kill();
}

const hellos: Record<string, Buffer> = {};

t.before(async () => {
  hellos.node = await capture((port) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'app.node-client.example', rejectUnauthorized: false });
    s.on('error', () => undefined);
    return () => s.destroy();
  });
  hellos.curl = await capture((port) => runTool('curl', ['-sk', '--max-time', '5', '--resolve', `web.curl-client.example:${port}:127.0.0.1`, `https://web.curl-client.example:${port}/`]));
  hellos.openssl = await capture((port) => runTool('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'x.openssl-client.example']));
  hellos.openssl12 = await capture((port) => runTool('openssl', ['s_client', '-tls1_2', '-connect', `127.0.0.1:${port}`, '-servername', 'Mixed.CASE.example']));
  hellos.acme = await capture((port) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'blog.dev.example', ALPNProtocols: ['h2', 'acme-tls/1'], rejectUnauthorized: false });
    s.on('error', () => undefined);
    return () => s.destroy();
  });
  hellos.noSni = await capture((port) => runTool('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-noservername']));
});

t.test('real ClientHellos yield their server name', async (t) => {
  t.same(readSni(hellos.node!), { kind: 'ok', serverName: 'app.node-client.example', acmeAlpn: false });
  t.same(readSni(hellos.curl!), { kind: 'ok', serverName: 'web.curl-client.example', acmeAlpn: false }, 'curl offers h2 and http/1.1');
  t.same(readSni(hellos.openssl!), { kind: 'ok', serverName: 'x.openssl-client.example', acmeAlpn: false });
  t.same(readSni(hellos.openssl12!), { kind: 'ok', serverName: 'mixed.case.example', acmeAlpn: false }, 'lowercased');
  t.match(readSni(hellos.noSni!), { kind: 'invalid', reason: /server_name/ });
});

t.test('a TLS-ALPN-01 validation is recognised by its ALPN; a malformed ALPN list is refused', async (t) => {
  t.same(readSni(hellos.acme!), { kind: 'ok', serverName: 'blog.dev.example', acmeAlpn: true });
  const at = hellos.acme!.indexOf(Buffer.from('acme-tls/1'));
  t.ok(at > 0);
  const emptyName = Buffer.from(hellos.acme!);
  emptyName[at - 1] = 0;
  t.match(readSni(emptyName), { kind: 'invalid', reason: /truncated|inconsistent/ });
});

t.test('every proper prefix is incomplete, never ok or a crash', async (t) => {
  for (const [name, hello] of Object.entries(hellos)) {
    let bad = 0;
    for (let i = 0; i < hello.length; i++) if (readSni(hello.subarray(0, i)).kind !== 'incomplete') bad++;
    t.equal(bad, 0, `${name}: ${hello.length} prefixes`);
  }
});

t.test('a ClientHello split across several records is reassembled', async (t) => {
  const hello = hellos.curl!;
  const body = hello.subarray(5, 5 + hello.readUInt16BE(3));
  const records: Buffer[] = [];
  for (let at = 0; at < body.length; at += 100) {
    const part = body.subarray(at, at + 100);
    records.push(Buffer.from([0x16, 0x03, 0x01, part.length >> 8, part.length & 255]), part);
  }
  const split = Buffer.concat(records);
  t.same(readSni(split), { kind: 'ok', serverName: 'web.curl-client.example', acmeAlpn: false });
  t.equal(readSni(split.subarray(0, split.length - 1)).kind, 'incomplete');
});

t.test('corruptions are rejected with a reason', async (t) => {
  const hello = Buffer.from(hellos.node!);
  const cases: Array<[string, (b: Buffer) => void, RegExp]> = [
    ['not a handshake record', (b) => void (b[0] = 0x17), /not handshake/],
    ['bad record version', (b) => void (b[1] = 2), /version/],
    ['not a ClientHello', (b) => void (b[5] = 2), /not ClientHello/],
    ['session id too long', (b) => void (b[5 + 4 + 34] = 33), /session id/],
  ];
  for (const [name, mutate, reason] of cases) {
    const copy = Buffer.from(hello);
    mutate(copy);
    t.match(readSni(copy), { kind: 'invalid', reason }, name);
  }
  const badName = Buffer.from(hello);
  const at = badName.indexOf('app.node-client.example');
  badName[at] = '_'.charCodeAt(0);
  t.match(readSni(badName), { kind: 'invalid', reason: /not a valid host name/ });
  const zeroRecord = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x00]);
  t.match(readSni(zeroRecord), { kind: 'invalid', reason: /record length/ });
});

t.test('size cap: a huge announced ClientHello is refused before it arrives', async (t) => {
  const header = Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0xff, 0xff]);
  t.match(readSni(header, 4096), { kind: 'invalid', reason: /size cap/ });
  const manyRecords = Buffer.concat(Array.from({ length: 10 }, () => Buffer.concat([Buffer.from([0x16, 3, 1, 0x07, 0xd0]), Buffer.alloc(2000, 1)])));
  t.match(readSni(manyRecords, 16 * 1024), { kind: 'invalid' });
});

t.test('random garbage never throws', async (t) => {
  let ok = 0;
  for (let i = 0; i < 5000; i++) {
    const garbage = randomBytes(1 + (i % 600));
    if (i % 3 === 0) garbage[0] = 0x16;
    if (i % 5 === 0) Object.assign(garbage, { 1: 3, 2: 1 });
    if (readSni(garbage).kind === 'ok') ok++;
  }
  t.equal(ok, 0);
  // Mutating single bytes of a real hello: never throws; whatever parses must be a valid host name.
  for (let i = 0; i < hellos.curl!.length; i++) {
    const copy = Buffer.from(hellos.curl!);
    copy[i] = copy[i]! ^ 0xff;
    const r = readSni(copy);
    if (r.kind === 'ok') t.match(r.serverName, /^[a-z0-9.-]+$/);
  }
});
