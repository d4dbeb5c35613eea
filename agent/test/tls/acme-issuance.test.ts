// Issuance against a real Pebble, with the challenge answered by the device's own TlsTerminator on loopback:
// TLS-ALPN-01 (Pebble's validator opens a TLS connection offering acme-tls/1) and HTTP-01 (plain HTTP request for
// /.well-known/acme-challenge/<token>). Then a real HTTPS request trusting Pebble's root gets the app's answer.
import t from 'tap';
import { stat } from 'node:fs/promises';
import { X509Certificate } from 'node:crypto';
import { AcmeCertificateSource, TlsTerminator } from '../../src/tls/index.js';
import { freePort, startPebble } from '../../../test-support/pebble.js';
import { captureLogger, httpsGet, tempDataDir, uniqueDomain } from './helpers.js';

for (const challenge of ['tls-alpn-01', 'http-01'] as const) {
  t.test(`issues a certificate by ${challenge} and serves HTTPS with it`, async (t) => {
    const [httpPort, tlsPort] = [await freePort(), await freePort()];
    const pebble = await startPebble({ httpPort, tlsPort });
    t.teardown(() => pebble.stop());
    const dataDir = await tempDataDir(t);
    const log = captureLogger();
    const source = new AcmeCertificateSource({
      dataDir, directoryUrl: pebble.directoryUrl, directoryCaPem: pebble.listenerCaPem,
      challengeTypes: [challenge], logger: log.logger,
    });
    t.teardown(() => source.stop());
    const terminator = new TlsTerminator({
      source, logger: log.logger,
      handler: (req, res) => res.end(`hello ${req.headers.host} over ${(req.socket as { encrypted?: boolean }).encrypted ? 'tls' : 'plain'}`),
    });
    t.teardown(() => terminator.close());
    await terminator.listenLocal(tlsPort, '127.0.0.1');
    await terminator.listenLocalPlain(httpPort, '127.0.0.1');

    const domain = uniqueDomain();
    const bundle = await source.ensure([domain, `blog.${domain}`, `files.${domain}`]);
    t.same(bundle.names.slice().sort(), [domain, `blog.${domain}`, `files.${domain}`].sort(), 'certificate covers the device and app names');
    t.ok(log.text().includes(challenge === 'tls-alpn-01' ? 'answered TLS-ALPN-01 validation' : 'challenge answer ready'), 'challenge answered by the device');

    const root = await pebble.rootCaPem();
    const leaf = new X509Certificate(bundle.chainPem);
    t.ok(leaf.verify(new X509Certificate(bundle.chainPem.split(/(?=-----BEGIN CERTIFICATE-----)/)[1] ?? '').publicKey), 'leaf signed by the returned intermediate');

    const res = await httpsGet({ host: '127.0.0.1', port: tlsPort, servername: `blog.${domain}`, ca: root });
    t.equal(res.status, 200);
    t.equal(res.body, `hello blog.${domain} over tls`);
    t.equal(res.fingerprint256, bundle.fingerprint256, 'served certificate is the issued one');
    t.equal(res.alpn, 'http/1.1');

    for (const file of [source['store'].certPath(domain), source['store'].accountPath(pebble.directoryUrl)]) {
      t.equal((await stat(file)).mode & 0o777, 0o600, `${file} is 0600`);
    }
    t.equal((await stat(source['store'].dir)).mode & 0o777, 0o700, 'tls dir is 0700');
    t.notOk(log.text().includes('PRIVATE KEY'), 'no key material in the logs');
  });
}
