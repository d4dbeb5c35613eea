// The life of a device certificate against a real Pebble (TLS-ALPN-01 answered on loopback): restart reloads the
// stored certificate without asking the CA; a corrupt or mismatched stored file is replaced with a logged reason;
// short-lived certificates (Pebble's certificateValidityPeriod) are renewed on schedule, and a failed renewal
// keeps serving the old certificate and retries with back-off until validation works again.
import t, { type Test } from 'tap';
import { readFile, writeFile } from 'node:fs/promises';
import { generateKeyPairSync } from 'node:crypto';
import { AcmeCertificateSource, TlsTerminator, type CertBundle } from '../../src/tls/index.js';
import { pemBlocks } from '../../src/tls/pem-bundle.js';
import { freePort, startPebble, type Pebble } from '../../../test-support/pebble.js';
import { captureLogger, httpsGet, tempDataDir, uniqueDomain, type CapturedLogger } from './helpers.js';

const VALIDITY_S = 30;
const tlsPort = await freePort();
const pebble = await startPebble({ httpPort: await freePort(), tlsPort, certValiditySeconds: VALIDITY_S });
t.teardown(() => pebble.stop());

type Event = { how: string; bundle: CertBundle };

function makeSource(t: Test, p: Pebble, dataDir: string, log: CapturedLogger, events: Event[] = []) {
  const source = new AcmeCertificateSource({
    dataDir, directoryUrl: p.directoryUrl, directoryCaPem: p.listenerCaPem, challengeTypes: ['tls-alpn-01'],
    logger: log.logger, random: () => 0.5,
    policy: { fraction: 2 / 3, jitterFraction: 0.05, minBackoffMs: 400, maxBackoffMs: 2_000 },
    pollBackoff: { attempts: 5, minMs: 200, maxMs: 1_000 },
    onChange: (bundle, how) => events.push({ how, bundle }),
  });
  const terminator = new TlsTerminator({ source, logger: log.logger, handler: (_req, res) => res.end('ok') });
  t.teardown(async () => {
    source.stop();
    await terminator.close();
  });
  return { source, terminator };
}

function requests(log: CapturedLogger): number {
  return log.lines().filter((l) => l.msg === 'requesting certificate').length;
}

async function until(what: string, cond: () => boolean, log: CapturedLogger, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; log:\n${log.text().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('restart reloads the stored certificate without re-issuing; corrupt files are replaced', async (t) => {
  const dataDir = await tempDataDir(t);
  const domain = uniqueDomain();
  const names = [domain, `blog.${domain}`];

  const first = captureLogger();
  const a = makeSource(t, pebble, dataDir, first);
  await a.terminator.listenLocal(tlsPort, '127.0.0.1');
  const issued = await a.source.ensure(names);
  t.equal(requests(first), 1, 'first start issues');
  a.source.stop();
  await a.terminator.close();

  const second = captureLogger();
  const events: Event[] = [];
  const b = makeSource(t, pebble, dataDir, second, events);
  const reloaded = await b.source.ensure(names);
  t.equal(reloaded.fingerprint256, issued.fingerprint256, 'same certificate after restart');
  t.equal(requests(second), 0, 'no request to the CA on restart');
  t.same(events.map((e) => e.how), ['loaded']);
  b.source.stop();

  const path = b.source['store'].certPath(domain);
  const original = await readFile(path, 'utf8');
  const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const certs = pemBlocks(original).filter((x) => x.label === 'CERTIFICATE').map((x) => x.pem).join('');
  const cases: [string, string, RegExp][] = [
    ['garbage', 'not a pem file at all\n', /expected one private key, found 0/],
    ['truncated', original.slice(0, Math.floor(original.length * 0.8)), /truncated or malformed PEM/],
    ['intermediate missing', original.slice(0, original.lastIndexOf('-----BEGIN CERTIFICATE-----')), /no intermediate/],
    ['key of another certificate', otherKey + certs, /private key does not match the certificate/],
  ];
  for (const [label, content, reason] of cases) {
    await writeFile(path, content);
    const log = captureLogger();
    const { source, terminator } = makeSource(t, pebble, dataDir, log);
    await terminator.listenLocal(tlsPort, '127.0.0.1');
    const bundle = await source.ensure(names);
    const warn = log.lines().find((l) => l.msg === 'stored certificate unusable, re-issuing');
    t.ok(warn, `${label}: re-issue is logged`);
    t.match(String(warn?.reason), reason, `${label}: reason names the problem (${String(warn?.reason)})`);
    t.equal(requests(log), 1, `${label}: re-issued`);
    t.not(bundle.fingerprint256, issued.fingerprint256, `${label}: new certificate`);
    t.ok(pemBlocks(await readFile(path, 'utf8')).length >= 2, `${label}: file rewritten whole`);
    source.stop();
    await terminator.close();
  }
});

t.test('renews at 2/3 of the lifetime, backs off on failure, serves the old certificate meanwhile', async (t) => {
  const dataDir = await tempDataDir(t);
  const domain = uniqueDomain();
  const log = captureLogger();
  const events: Event[] = [];
  const { source, terminator } = makeSource(t, pebble, dataDir, log, events);
  await terminator.listenLocal(tlsPort, '127.0.0.1');
  const first = await source.ensure([domain]);
  const lifetime = first.notAfter.getTime() - first.notBefore.getTime();
  t.ok(lifetime <= (VALIDITY_S + 1) * 1000, `short-lived certificate (${lifetime} ms)`);

  // Validation fails while Pebble resolves the name to an address where nothing listens.
  await pebble.setDefaultIPv4('127.0.0.2');
  await until('a failed renewal', () => log.lines().some((l) => l.msg === 'certificate renewal failed'), log);
  const failedAt = Date.now();
  t.ok(failedAt >= first.notBefore.getTime() + lifetime * 0.6, 'renewal was not attempted before ~2/3 of the lifetime');
  t.ok(log.lines().some((l) => l.msg === 'certificate renewal retry scheduled'), 'retry scheduled with back-off');
  const during = await httpsGet({ host: '127.0.0.1', port: tlsPort, servername: domain, ca: await pebble.rootCaPem() });
  t.equal(during.fingerprint256, first.fingerprint256, 'old certificate still served while renewal fails');

  await pebble.setDefaultIPv4('127.0.0.1');
  await until('a renewal', () => events.some((e) => e.how === 'renewed'), log);
  const renewed = events.find((e) => e.how === 'renewed')?.bundle as CertBundle;
  const renewals = (): string[] => events.filter((e) => e.how === 'renewed').map((e) => e.bundle.fingerprint256);
  t.not(renewed.fingerprint256, first.fingerprint256, 'a new certificate');
  t.ok(Date.now() < first.notAfter.getTime() + 1000 || renewed.notAfter > first.notAfter, 'renewed certificate outlives the old one');
  const after = await httpsGet({ host: '127.0.0.1', port: tlsPort, servername: domain, ca: await pebble.rootCaPem() });
  // (A further renewal may have happened meanwhile with such short lifetimes: any renewed one proves the swap.)
  t.ok(renewals().includes(after.fingerprint256), 'terminator serves the renewed certificate without restart');
  t.equal(after.body, 'ok');
});

t.test('a failed first issuance is retried in the background; adding a name re-issues without a warning', async (t) => {
  const dataDir = await tempDataDir(t);
  const domain = uniqueDomain();
  const log = captureLogger();
  const events: Event[] = [];
  const { source, terminator } = makeSource(t, pebble, dataDir, log, events);
  await terminator.listenLocal(tlsPort, '127.0.0.1');
  await pebble.setDefaultIPv4('127.0.0.2');
  t.teardown(() => pebble.setDefaultIPv4('127.0.0.1'));
  await t.rejects(source.ensure([domain]), 'first issuance fails while validation cannot reach the device');
  t.ok(log.lines().some((l) => l.msg === 'certificate issuance failed'));
  t.equal(source.current(domain), undefined, 'nothing served yet');
  await pebble.setDefaultIPv4('127.0.0.1');
  await until('background issuance', () => events.some((e) => e.how === 'issued'), log);
  t.ok(source.current(domain), 'issued by the background retry');

  const before = log.lines().length;
  const wider = await source.ensure([domain, `blog.${domain}`]);
  t.same(wider.names.slice().sort(), [domain, `blog.${domain}`].sort(), 'new certificate covers the added app');
  const newLines = log.lines().slice(before);
  t.ok(newLines.some((l) => l.msg === 'certificate names changed, re-issuing'), 'logged as a names change');
  t.notOk(newLines.some((l) => l.level === 40), 'no warning for an ordinary app install');
  t.equal(source.current(`blog.${domain}`)?.fingerprint256, wider.fingerprint256);
});
