// `./build.sh demo`: the whole product on this machine, no hardware. Builds the x86-64 developer image, starts a
// relay and an ACME CA (Pebble) here, writes hearth-config.json onto the image's boot partition (as an owner would
// from a PC) and boots it under QEMU. The agent in the VM dials the relay, gets its certificate through it, and
// serves the example app and the phone app at https://<name>.<device id>.hearth.localhost:<port>/ on this machine,
// the relay seeing only encrypted bytes. Prints the URLs, the pairing QR code and the short code.
// `--once`: check the app answers through the relay, power off, exit (for scripts and CI). `./build.sh demo --host`
// runs the agent directly on this machine instead (scripts/demo.ts; seconds instead of minutes).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { pino } from 'pino';
import { renderPairingQr } from '../agent/src/pairing/qr-render.js';
import { buildConfig } from '../relay/src/config.js';
import { RelayServer } from '../relay/src/server.js';
import { QemuVm, buildDevImage, espOffset, http, run, waitForHttp200 } from '../image/test/support/vm.js';
import { startPebble } from '../test-support/pebble.js';

const ROOT = new URL('..', import.meta.url).pathname;
const once = process.argv.includes('--once');
const httpsPort = Number(process.env.HEARTH_DEMO_PORT ?? 8443);
const ZONE = 'hearth.localhost';
// QEMU's user-mode network shows this machine to the guest as 10.0.2.2 (connections arrive on 127.0.0.1 here).
const HOST_FROM_GUEST = '10.0.2.2';
const say = (line: string): void => void process.stdout.write(`[demo] ${line}\n`);

execFileSync(join(ROOT, 'scripts/test-services.sh'), ['up'], { stdio: ['ignore', 'ignore', 'inherit'] }); // the busybox image
const dir = join(ROOT, 'build', 'demo-image');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

say('building the x86-64 image (first run: a few minutes; then seconds)…');
const image = await buildDevImage(join(ROOT, 'image/build/demo'), (l) => say(l.replace(/^.*\[image[^\]]*\]\s*/, 'image: ')));

// The relay: routes by SNI, holds only its tunnel endpoint's certificate.
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30',
  '-subj', '/CN=hearth demo relay', '-addext', `subjectAltName=IP:${HOST_FROM_GUEST},IP:127.0.0.1`,
  '-keyout', join(dir, 'relay-tunnel.key'), '-out', join(dir, 'relay-tunnel.crt')], { stdio: 'ignore' });
const relay = new RelayServer(buildConfig({
  relayName: HOST_FROM_GUEST,
  zone: ZONE,
  tunnelTls: { cert: join(dir, 'relay-tunnel.crt'), key: join(dir, 'relay-tunnel.key') },
  listen: { host: '127.0.0.1', https: httpsPort, http: 0, tunnel: 0 },
}), { log: pino({ level: 'warn' }) });
const ports = await relay.start();
// The CA validates every name on the relay's public ports (challtestsrv answers 127.0.0.1 for all names).
const pebble = await startPebble({ httpPort: ports.http!, tlsPort: ports.https, extraIps: [HOST_FROM_GUEST] });
const caPath = join(dir, 'hearth-demo-ca.pem');
writeFileSync(caPath, await pebble.rootCaPem());

// The owner's edit of the boot partition: relay and CA (paths relative to the file), written with mtools.
const disk = join(dir, 'disk.img');
await run('cp', ['--sparse=always', image, disk]);
const boot = join(dir, 'boot');
mkdirSync(boot);
writeFileSync(join(boot, 'hearth-relay-ca.pem'), readFileSync(join(dir, 'relay-tunnel.crt')));
writeFileSync(join(boot, 'hearth-acme-ca.pem'), pebble.listenerCaPem);
writeFileSync(join(boot, 'hearth-config.json'), JSON.stringify({
  relay: { urls: [`tls://${HOST_FROM_GUEST}:${ports.tunnel}`], zone: ZONE, caFile: 'hearth-relay-ca.pem', publicPort: ports.https },
  tls: { acmeDirectoryUrl: pebble.directoryUrlFor(HOST_FROM_GUEST), acmeCaFile: 'hearth-acme-ca.pem' },
}, null, 2));
await run('mcopy', ['-o', '-i', `${disk}@@${await espOffset(disk)}`, ...['hearth-config.json', 'hearth-relay-ca.pem', 'hearth-acme-ca.pem'].map((f) => join(boot, f)), '::/']);

say('booting it under QEMU (software emulation: about a minute)…');
const vm = new QemuVm({ workDir: dir, disk, format: 'raw' });
await vm.start();
const stopAll = async (code: number): Promise<never> => {
  say('powering off…');
  await vm.powerdown().catch(() => vm.kill());
  await relay.close();
  await pebble.stop();
  process.exit(code);
};
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  const health = JSON.parse((await waitForHttp200(vm, '/v1/health', 600_000)).body) as { deviceDomain: string };
  const domain = health.deviceDomain;
  say(`agent up: the device is ${domain}`);
  const { stdout: archive } = await run('podman', ['save', '--format', 'docker-archive', 'localhost/hearth/busybox:latest'], { encoding: 'buffer', maxBuffer: 64 << 20 });
  const loaded = await http({ port: vm.apiPort, path: '/v1/images/load', method: 'POST', body: archive, contentType: 'application/x-tar', timeoutMs: 300_000 });
  if (loaded.status !== 200) throw new Error(`image load: HTTP ${loaded.status} ${loaded.body}`);
  say('installing the example app (examples/apps/hello)…');
  const compose = readFileSync(join(ROOT, 'examples/apps/hello/compose.yaml'), 'utf8');
  const installed = await http({ port: vm.apiPort, path: '/v1/apps?wait=true&timeoutMs=400000', method: 'POST', body: JSON.stringify({ compose }), timeoutMs: 420_000 });
  const result = JSON.parse(installed.body.trim().split('\n').at(-1) ?? '{}') as { ok?: boolean };
  if (!result.ok) throw new Error(`install: ${installed.body.slice(-500)}`);

  // Through the relay, with the certificate the device got from the CA (retried while it is being issued).
  const appHost = `hello.${domain}`;
  let page = { status: 0, body: '' };
  for (let i = 0; i < 90 && page.status !== 200; i++) {
    page = await httpsGet(appHost, ports.https, readFileSync(caPath, 'utf8')).catch((e: Error) => ({ status: 0, body: e.message }));
    if (page.status !== 200) await new Promise((r) => setTimeout(r, 2000));
  }
  if (page.status !== 200) throw new Error(`https://${appHost}:${ports.https}/ through the relay: ${page.body}`);
  const pairing = JSON.parse((await http({ port: vm.apiPort, path: '/v1/pairing' })).body) as { url: string; code: string; paired: boolean };
  const port = ports.https === 443 ? '' : `:${ports.https}`;
  process.stdout.write(`
  The device ${domain} runs in QEMU; everything below goes through the relay on this machine (port ${ports.https}),
  which routes by name and never holds a key: TLS ends inside the VM.

  hello (the example app):  https://${appHost}${port}/   (it answered: "${page.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 50)}")
  the phone app:            https://${domain}${port}/
  certificates from:        the demo CA ${caPath} (trust it in the browser, or:
                            curl --cacert ${caPath} https://${appHost}${port}/ )
  pairing code:             ${pairing.code}${pairing.paired ? '   (already paired)' : ''}
`);
  if (!pairing.paired) process.stdout.write(`${await renderPairingQr(pairing.url, 'terminal')}\n  ${pairing.url}\n`);
} catch (err) {
  process.stderr.write(`[demo] failed: ${(err as Error).message}\n[demo] serial console: ${vm.serialLog}\n`);
  await stopAll(1);
}
if (once) await stopAll(0);
say('running. Ctrl-C powers the VM off.');

function httpsGet(name: string, port: number, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, servername: name, headers: { host: name }, ca, timeout: 15_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}
