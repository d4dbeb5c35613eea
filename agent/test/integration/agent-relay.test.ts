// The whole agent behind a relay, on loopback: Agent.create with `relay` and `tls` in its config (the production
// wiring in agent/src/device, not a hand-assembled tunnel), a real relay, Pebble validating THROUGH the relay, and an
// app installed through the agent's operations. The app and the device web answer at https://<name>.<device id>.<zone>
// on the relay's public port, with the device's own certificate (the relay holds only its tunnel certificate).
// The e2e-relay test covers network namespaces, packet capture and link cuts; this one covers the agent's own wiring.
import t from 'tap';
import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { webApp } from '../../../test-support/compose.js';
import { startRelayedDevice } from '../../../test-support/relayed-device.js';
import { ZONE, curlHttps, waitFor } from '../../../relay/test/fixtures.js';

function peerCertificate(port: number, servername: string, ca: string): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername, ca }, () => {
      const raw = s.getPeerX509Certificate();
      s.end();
      if (raw) resolve(raw);
      else reject(new Error('no peer certificate'));
    });
    s.on('error', reject);
  });
}

t.test('agent with relay + tls config: app and device web over HTTPS through the relay', { timeout: 300_000 }, async (t) => {
  const { dev, domain, relay: r, rootPath: root, rootPem } = await startRelayedDevice(t);
  const { ports, tunnelCert, relay } = r;
  const device = dev.agent.device!;
  t.equal(domain, `${device.identity.deviceId}.${ZONE}`, 'with a relay, the device is named <device id>.<zone>');
  t.equal(new URL(device.pairingInfo()!.url).searchParams.get('r'), `${domain}:${ports.https}`, 'the pairing link: the device\'s name on the relay\'s public port');
  await waitFor('the tunnel', () => relay.tunnels === 1, 30_000);

  const marker = `agent-relay-${Math.random().toString(36).slice(2)}`;
  const ops = dev.agent.operations;
  const manifest = ops.parse(webApp({ id: 'blog', page: marker }));
  const healthy = ops.waitForVersion('blog', '1.0.0', 120_000);
  await ops.install(manifest);
  await healthy;

  const host = `blog.${domain}`;
  // The certificate is (re)issued after the app converges; poll until the relay serves the page with it.
  let page = '';
  await waitFor('the app over HTTPS through the relay', async () => {
    page = await curlHttps(host, ports.https, root).catch((e: Error) => e.message);
    return page.includes(marker);
  }, 120_000, 500).catch((e: Error) => t.fail(`${e.message}; last answer: ${page}`));
  t.match(page, marker, 'the app answered through relay → tunnel → device TLS → ingress');

  const cert = await peerCertificate(ports.https, host, rootPem);
  t.match(cert.subjectAltName ?? '', `DNS:${host}`, 'the certificate names the app');
  t.match(cert.subjectAltName ?? '', `DNS:${domain}`, 'and the device');
  t.not(cert.fingerprint256, new X509Certificate(tunnelCert.certPem).fingerprint256, 'not the relay\'s certificate');

  const web = await curlHttps(domain, ports.https, root, '/v1/pair/info');
  t.match(JSON.parse(web), { deviceId: device.identity.deviceId }, 'the device web answers at the device name');
  const missing = await curlHttps(`nope.${domain}`, ports.https, root, '/', '127.0.0.1', ['--insecure']).catch((e: Error) => e.message);
  t.match(missing, /404|No app/, 'an unknown app name under the device is a clear 404 from the device, not the relay');
});
