// End to end across network namespaces: automatic TLS on the device, through the real relay.
//
// Topology (one bridge, random 10.x.y.0/24, see test-support/netns.ts):
//   host ns   .1  Pebble (ACME CA) + pebble-challtestsrv (DNS: every name -> the relay's address); podman.
//   "cloud"   .3  the real relay (relay/src/main.ts): https 443 (SNI routing, no keys), http 80 (ACME passthrough),
//                 tunnel 9443; tcpdump on its interface.
//   "home"    .2  the device process (device-proc.ts): real TunnelClient -> TlsTerminator -> real Ingress, and the
//                 app container, which JOINS the home namespace (podman --network ns:/run/netns/<home>) and listens
//                 on 127.0.0.1:8080 there. So the app lives on the device as on real hardware, the device reaches it
//                 without routing through the host, and cutting the home link cuts device AND app off together.
//   "phone"   .4  curl / openssl s_client; an iptables rule in the phone ns drops everything to home, so the
//                 relay is the only way in.
// Pebble validates the device's TLS-ALPN-01 (or HTTP-01) answer by connecting to the RELAY, which splices the
// connection into the tunnel: the same path a real CA takes. The test then checks that the phone gets the app's
// page over a certificate only the device holds, and that the page's unique marker never crosses the relay's
// wire in clear while the SNI name (plaintext by design) does, which proves the capture saw the traffic.
import t from 'tap';
import { X509Certificate, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createTopology } from '../../../test-support/netns.js';
import { pemBlocks } from '../../src/tls/pem-bundle.js';
import { run, startCloud, stopChild, waitFor } from './support.js';

const DEVICE = fileURLToPath(new URL('./device-proc.ts', import.meta.url));
const PODMAN = ['--url', `unix:${process.env.HEARTH_TEST_DIR ?? '/run/hearth-test'}/podman.sock`];
const IMAGE = 'localhost/hearth/busybox:latest';
const ZONE = 'relay.test';

type DeviceEvent = { event: string; [k: string]: unknown };

for (const challenge of ['tls-alpn-01', 'http-01'] as const) {
  t.test(`phone -> relay -> tunnel -> device TLS (certificate by ${challenge} through the relay) -> app`, { timeout: 300_000 }, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'hearth-e2e-tls-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const topo = await createTopology(['home', 'cloud', 'phone'] as const);
    t.teardown(() => topo.destroy());
    const { home, cloud } = topo.hosts;
    await topo.exec('phone', ['iptables', '-A', 'OUTPUT', '-d', home.ip, '-j', 'DROP']);

    // Pebble in the host namespace (validating through the relay), the relay in cloud, tcpdump on its interface.
    const { pebble, pebbleCa, relayDir, pcap, tcpdump } = await startCloud(t, topo, 'cloud', dir, ZONE);

    // The app: busybox httpd serving a page with a unique marker, inside the home namespace.
    const marker = `HEARTH-SECRET-${randomBytes(16).toString('hex')}`;
    const www = join(dir, 'www');
    await mkdir(www);
    await writeFile(join(www, 'index.html'), `<h1>blog</h1><p>${marker}</p>\n`);
    const container = `hearth-e2e-tls-${topo.tag}-${challenge.slice(0, 4)}`;
    await run('podman', [...PODMAN, 'run', '-d', '--rm', '--name', container, '--network', `ns:/run/netns/${home.ns}`,
      '-v', `${www}:/www:ro`, IMAGE, 'httpd', '-f', '-p', '127.0.0.1:8080', '-h', '/www']);
    t.teardown(() => run('podman', [...PODMAN, 'rm', '-f', '-t', '0', container]).catch(() => undefined));

    // The device.
    const dataDir = join(dir, 'device-data');
    const seed = randomBytes(32);
    await writeFile(join(dir, 'device.json'), JSON.stringify({
      relays: [`tls://${cloud.ip}:9443`], tunnelCaPath: join(relayDir, 'tunnel.crt'), seedHex: seed.toString('hex'),
      dataDir, directoryUrl: pebble.directoryUrl, directoryCaPath: pebbleCa, challenge, zone: ZONE,
      apps: { blog: { ip: '127.0.0.1', port: 8080 } },
    }));
    const device = topo.spawn('home', [process.execPath, '--import', 'tsx', DEVICE, join(dir, 'device.json')], { stdio: ['ignore', 'pipe', 'inherit'] });
    t.teardown(() => stopChild(device));
    const events: DeviceEvent[] = [];
    createInterface({ input: device.stdout! }).on('line', (line) => events.push(JSON.parse(line) as DeviceEvent));
    const detail = (): string => `device events: ${JSON.stringify(events)}\npebble log tail:\n${pebble.logs().slice(-2000)}`;

    const started = await waitFor('device start', () => events.find((e) => e.event === 'started'), 30_000, detail);
    const deviceDomain = String(started.deviceDomain);
    const host = `blog.${deviceDomain}`;
    const cert = await waitFor('certificate through the relay', () => {
      const err = events.find((e) => e.event === 'error');
      if (err) throw new Error(`device failed: ${String(err.message)}`);
      return events.find((e) => e.event === 'cert');
    }, 120_000, detail).catch((err: Error) => {
      throw new Error(`${err.message}\n${detail()}`);
    });
    t.equal(cert.how, 'issued', `issued by ${challenge}, validated through the relay`);
    t.same((cert.names as string[]).slice().sort(), [deviceDomain, host].sort());

    // The phone fetches the app through the relay, trusting only Pebble's root.
    const rootPath = join(dir, 'pebble-root.pem');
    await writeFile(rootPath, await pebble.rootCaPem());
    const curl = (): Promise<{ stdout: string }> => topo.exec('phone', ['curl', '-sS', '--fail', '--max-time', '10',
      '--resolve', `${host}:443:${cloud.ip}`, '--cacert', rootPath, `https://${host}/`]);
    const page = await curl();
    t.ok(page.stdout.includes(marker), 'decrypted response carries the app page (marker present)');

    // The certificate the phone sees is the device's: its key lives only in the device's data dir.
    const sclient = await topo.exec('phone', ['sh', '-c',
      `openssl s_client -connect ${cloud.ip}:443 -servername ${host} -CAfile ${rootPath} </dev/null 2>/dev/null | openssl x509`]);
    const served = new X509Certificate(sclient.stdout);
    t.equal(served.fingerprint256, cert.fingerprint, 'phone sees the certificate the device installed');
    const deviceFile = await readFile(join(dataDir, 'tls', 'certs', `${deviceDomain}.pem`), 'utf8');
    const deviceKey = createPrivateKey(pemBlocks(deviceFile).find((b) => b.label.endsWith('PRIVATE KEY'))!.pem);
    t.ok(served.checkPrivateKey(deviceKey), "served certificate matches the device's private key");
    const relayKeys = (await readdir(relayDir)).filter((f) => f.endsWith('.key'));
    t.same(relayKeys, ['tunnel.key'], 'the relay holds only its tunnel key');
    const relayPub = createPublicKey(await readFile(join(relayDir, 'tunnel.key'))).export({ format: 'der', type: 'spki' });
    t.notOk(relayPub.equals(served.publicKey.export({ format: 'der', type: 'spki' })), "the relay's key is not the served one");

    // The relay is the only way in for the phone.
    await t.rejects(topo.exec('phone', ['curl', '-sS', '--max-time', '3', '-k', `https://${home.ip}/`]), 'phone cannot reach home directly');

    // Cut the home link: the app is unreachable; restore it: the tunnel comes back and the app answers again.
    await topo.linkDown('home');
    await waitFor('app unreachable while home is cut', async () => {
      try {
        await curl();
        return undefined;
      } catch {
        return true;
      }
    }, 20_000);
    await topo.linkUp('home');
    const again = await waitFor('app reachable after the link is back', async () => (await curl()).stdout, 30_000, detail);
    t.ok(again.includes(marker), 'reachable again after the home link came back');
    t.notOk(events.some((e) => e.event === 'cert' && e.how === 'issued' && e !== cert), 'no re-issue after reconnect');

    // Control: a string the phone sends in clear to the relay's port 80 must show up, so payload bytes are captured.
    const control = `HEARTH-CONTROL-${randomBytes(8).toString('hex')}`;
    await topo.exec('phone', ['curl', '-sS', '-o', '/dev/null', '--max-time', '5', '-H', `Host: ${host}`, `http://${cloud.ip}/${control}`]);

    // Wire check: SNI is visible (so the capture saw the phone's connections), the page content never is. The
    // capture is read once the control string (sent last) is in the file, so nothing sent before it is missing.
    await waitFor('the control string in the capture', async () => (await readFile(pcap)).includes(Buffer.from(control)) || undefined, 20_000)
      .catch(() => undefined);
    await stopChild(tcpdump, 'SIGINT');
    const wire = await readFile(pcap);
    t.ok(wire.length > 10_000, `capture has traffic (${wire.length} bytes)`);
    t.ok(wire.includes(Buffer.from(control)), 'the capture records payload bytes (plain-HTTP control string seen)');
    t.ok(wire.includes(Buffer.from(host)), 'the capture contains the phone connections (SNI in clear)');
    t.notOk(wire.includes(Buffer.from(marker)), 'the app marker never crosses the relay in clear');
    t.notOk(wire.includes(Buffer.from(marker.slice(0, 24))), 'not even a fragment of it');
  });
}
