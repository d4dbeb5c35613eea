// The agent daemon: `node agent.mjs` (bundled) or `node --import tsx agent/src/main.ts`. Runs under systemd
// (Type=notify, watchdog) on a device and plainly in a terminal for development.
import { Agent } from './agent.js';
import { DEFAULT_BOOT_CONFIG, readBootConfig } from './boot-config.js';
import { loadConfig } from './config.js';
import { systemdNotifier } from './systemd/notify.js';

const configPath = process.env.HEARTH_CONFIG ?? '/etc/hearth/agent.json';
const bootConfigPath = process.env.HEARTH_BOOT_CONFIG ?? DEFAULT_BOOT_CONFIG;
const notifier = systemdNotifier();

async function main(): Promise<void> {
  const base = await loadConfig(configPath);
  const boot = await readBootConfig(base, bootConfigPath);
  const agent = await Agent.create(boot.kind === 'applied' ? boot.config : base);
  if (boot.kind === 'applied') agent.logger.info({ file: bootConfigPath, sections: boot.sections }, 'boot partition configuration applied');
  if (boot.kind === 'rejected') agent.logger.error({ file: bootConfigPath }, `${boot.reason}: ignored, starting without it`);
  await agent.start();
  notifier.ready('running');
  // After READY: drawing the QR code loads and runs a module of its own (~1 s under the image's emulated boot), and
  // nothing that waits for the agent needs the banner.
  if (agent.device && !agent.device.paired()) process.stderr.write(await agent.device.pairingBanner());
  // The watchdog is fed only while the event loop turns and the engine answered recently.
  let engineOk = true;
  const probe = setInterval(() => void agent.engine.ping().then(() => (engineOk = true), () => (engineOk = false)), 10_000);
  probe.unref();
  const stopWatchdog = notifier.startWatchdog(() => engineOk);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    agent.logger.info({ signal }, 'stopping (apps keep running)');
    notifier.stopping();
    stopWatchdog();
    clearInterval(probe);
    await agent.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err: Error) => {
  console.error(`hearth-agent: ${err.message}`);
  process.exit(1);
});
