// `./build.sh demo`: the whole agent on this machine against the local podman. Installs the example app, serves the
// phone app and the signed example catalog, prints the URLs and the pairing code, and keeps running until Ctrl-C
// (`--once`: exit after the check, for scripts). Names under *.localhost resolve to this machine in browsers and curl.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import pino from 'pino';
import { Agent } from '../agent/src/agent.js';
import { parseConfig } from '../agent/src/config.js';
import { renderPairingQr } from '../agent/src/pairing/qr-render.js';
import { serveExampleCatalog } from '../test-support/catalog-server.js';

const ROOT = new URL('..', import.meta.url).pathname;
const once = process.argv.includes('--once');
const port = Number(process.env.HEARTH_DEMO_PORT ?? 8080);
const domain = 'hearth.localhost';

execFileSync(join(ROOT, 'scripts/test-services.sh'), ['up'], { stdio: 'inherit' });
const dir = join(ROOT, 'build', 'demo');
mkdirSync(dir, { recursive: true });
const catalog = await serveExampleCatalog();
const phoneDir = join(ROOT, 'phone', 'dist');
const config = parseConfig({
  dataDir: join(dir, 'data'),
  deviceDomain: domain,
  engine: { socketPath: '/run/hearth-test/podman.sock', scope: 'demo' },
  api: { socketPath: join(dir, 'agent.sock') },
  ingress: { host: '127.0.0.1', port },
  pairing: { secretFile: join(dir, 'pairing-secret'), resetMarker: join(dir, 'hearth-reset-pairing') },
  catalog: { url: catalog.url, publicKey: catalog.publicKey },
  phoneDir: existsSync(phoneDir) ? phoneDir : undefined,
  reconcileIntervalMs: 2000,
  logLevel: 'warn',
});
const agent = await Agent.create(config, { logger: pino({ level: 'warn' }) });
await agent.start();

console.log('\nInstalling the example app (examples/apps/hello)…');
const manifest = agent.operations.parse(readFileSync(join(ROOT, 'examples/apps/hello/compose.yaml'), 'utf8'));
const done = agent.operations.waitForVersion(manifest.id, manifest.version, 120_000);
const outcome = await agent.operations.install(manifest);
const status = outcome === 'unchanged' ? agent.operations.status(manifest.id) : await done;
const appUrl = `http://hello.${domain}:${port}/`;
const page = await get(port, `hello.${domain}`);
const pairing = agent.device!.pairingInfo()!;

console.log(`
  hello ${status.version} is ${status.phase}:   ${appUrl}
    (it answered: HTTP ${page.status} "${page.text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 60)}")
  the phone app:               http://${domain}:${port}/
  pairing code:                ${pairing.code}${pairing.paired ? '   (already paired)' : ''}
  CLI:                         HEARTH_API=${config.api.socketPath} npm run -s hearth -- status
`);
if (!pairing.paired) console.log(await renderPairingQr(pairing.url, 'terminal'));

if (once) await stop(page.status === 200 ? 0 : 1);
console.log('Running. Ctrl-C stops the agent (apps keep running; the next demo adopts them).');
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

async function stop(code: number): Promise<void> {
  await agent.stop();
  await catalog.close();
  process.exit(code);
}

function get(p: number, host: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: p, path: '/', headers: { host } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      })
      .on('error', reject);
  });
}
