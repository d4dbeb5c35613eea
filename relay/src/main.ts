#!/usr/bin/env node
// hearth-relay: one relay node. `hearth-relay --config relay.yaml` (YAML or JSON; see docs/RELAY.md).
import { Command } from 'commander';
import { pino } from 'pino';
import { DEFAULTS, loadConfigFile } from './config.js';
import { RelayServer } from './server.js';

const program = new Command()
  .name('hearth-relay')
  .description('Routes TLS by SNI into device tunnels without terminating TLS.')
  .requiredOption('-c, --config <file>', 'relay config file (YAML or JSON)')
  .option('--log-level <level>', 'pino log level', 'info')
  .option('--check', 'validate the config and exit')
  .addHelpText('after', `\nEmbedded defaults:\n${JSON.stringify(DEFAULTS, null, 2)}\n`);

program.parse();
const opts = program.opts<{ config: string; logLevel: string; check?: boolean }>();
const log = pino({ level: opts.logLevel });

let config;
try {
  config = await loadConfigFile(opts.config);
} catch (err) {
  process.stderr.write(`hearth-relay: ${(err as Error).message}\n`);
  process.exit(2);
}
if (opts.check) {
  process.stdout.write('config ok\n');
  process.exit(0);
}

const relay = new RelayServer(config, { log });
// Operators (and bench/relay.ts) ask for a memory report with SIGUSR2; under --expose-gc it is taken after a full GC,
// so it counts live memory rather than garbage not yet collected. Registered before the relay announces itself, so
// a report asked for right after 'relay listening' is not lost.
process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
  log.info({ memory: process.memoryUsage(), tunnels: relay.tunnels }, 'memory report');
});
try {
  await relay.start();
} catch (err) {
  log.fatal({ err: (err as Error).message }, 'relay failed to start');
  process.exit(1);
}
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    // A stuck close (or a log pipe whose reader is gone) must not leave a relay holding its ports.
    setTimeout(() => process.exit(1), 5000).unref();
    log.info({ signal }, 'relay stopping');
    relay.close().then(() => process.exit(0), () => process.exit(1));
  });
}
