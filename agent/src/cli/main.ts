// `hearth`: the owner's command line on the device (over the agent's unix socket) or in development (HEARTH_API).
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { renderPairingQr } from '../pairing/qr-render.js';
import { Command, Option } from 'commander';
import { ApiError, HearthClient } from '../client/index.js';
import { nodeTransport, targetFromEnv } from '../client/node-transport.js';
import { progressPrinter } from './progress.js';

function client(opts: { api?: string }): HearthClient {
  return new HearthClient(nodeTransport(targetFromEnv(opts.api ?? process.env.HEARTH_API)));
}

const program = new Command('hearth')
  .description('Manage the apps on this Hearth device')
  .addOption(new Option('--api <socket-or-url>', 'agent API (unix socket path or http URL)').env('HEARTH_API'));

program
  .command('status')
  .description('device health and apps')
  .action(async () => {
    const c = client(program.opts());
    const h = await c.health();
    console.log(`agent ${h.version}: ${h.status} (engine ${h.engine}), up ${h.uptimeS} s, ${h.apps.running}/${h.apps.total} apps running`);
    for (const a of await c.listApps()) console.log(`  ${a.id.padEnd(16)} ${a.version.padEnd(10)} ${a.phase.padEnd(14)} ${a.urls.join(' ')}`);
  });

program
  .command('pair')
  .description('show the pairing QR code and short code (scan it with the Hearth phone app)')
  .option('--png <file>', 'also write the QR code as a PNG file')
  .option('--svg <file>', 'also write the QR code as an SVG file')
  .action(async (opts: { png?: string; svg?: string }) => {
    const p = await client(program.opts()).pairing();
    if (p.paired) console.log('This device already has an owner. Add another phone from the paired one (Clients → Add).');
    console.log(await renderPairingQr(p.url, 'terminal'));
    console.log(`Scan with the Hearth app, or type the code: ${p.code}\n${p.url}`);
    if (opts.png) await writeFile(opts.png, await renderPairingQr(p.url, 'png'));
    if (opts.svg) await writeFile(opts.svg, await renderPairingQr(p.url, 'svg'));
  });

program
  .command('apps')
  .description('installed apps as JSON')
  .action(async () => console.log(JSON.stringify(await client(program.opts()).listApps(), null, 2)));

program
  .command('install')
  .description('install or update an app from a compose file (path or http(s) URL)')
  .argument('<source>')
  .option('--no-wait', 'return once accepted instead of waiting until healthy')
  .option('--timeout <seconds>', 'how long to wait for the app to become healthy', '600')
  .action(async (source: string, opts: { wait: boolean; timeout: string }) => {
    const c = client(program.opts());
    const body = /^https?:\/\//.test(source) ? { url: source } : { compose: await readFile(source, 'utf8') };
    if (!opts.wait) {
      const r = await c.install(body);
      if (r.ok) console.log(`${r.app.id}: ${r.outcome}`);
      return;
    }
    const r = await c.install(body, progressPrinter(console.log), Number(opts.timeout) * 1000);
    if (!r.ok) throw new ApiError(0, r.error, r.message, r.issues);
    console.log(`${r.app.id} ${r.app.version} is ${r.app.phase}: ${r.app.urls.join(' ')}`);
  });

program
  .command('remove')
  .description('remove an app; say explicitly whether to keep its data')
  .argument('<app>')
  .option('--keep-data', 'keep the app data for a later reinstall')
  .option('--delete-data', 'delete the app data for good')
  .action(async (app: string, opts: { keepData?: boolean; deleteData?: boolean }) => {
    if (!!opts.keepData === !!opts.deleteData) throw new Error('say --keep-data or --delete-data');
    await client(program.opts()).remove(app, !!opts.keepData);
    console.log(`${app} removed${opts.keepData ? ' (data kept)' : ' and its data deleted'}`);
  });

for (const action of ['start', 'stop'] as const) {
  program
    .command(action)
    .argument('<app>')
    .action(async (app: string) => {
      const s = await client(program.opts())[action](app);
      console.log(`${app}: ${s.phase}`);
    });
}

program
  .command('logs')
  .argument('<app>')
  .option('-s, --service <name>')
  .option('-n, --tail <lines>', 'lines per container', '200')
  .action(async (app: string, opts: { service?: string; tail: string }) => {
    for (const l of await client(program.opts()).logs(app, { service: opts.service, tail: Number(opts.tail) })) {
      console.log(`--- ${l.service}`);
      process.stdout.write(l.text);
    }
  });

program
  .command('load')
  .description('load a container image archive (docker-archive or OCI tar) into the engine')
  .argument('<archive>')
  .action(async (archive: string) => {
    const loaded = await client(program.opts()).loadImage(createReadStream(archive));
    console.log(`loaded ${loaded.join(', ')}`);
  });

program.parseAsync().catch((err: Error) => {
  if (err instanceof ApiError && err.issues?.length) {
    console.error(`hearth: ${err.message.split(':')[0]}:`);
    for (const i of err.issues) console.error(`  ${i.path}: ${i.message}`);
  } else {
    console.error(`hearth: ${err.message}`);
  }
  process.exit(1);
});
