// The agent daemon: `node agent.mjs` (bundled) or `node --import tsx agent/src/main.ts`. Runs under systemd
// (Type=notify, watchdog) on a device and plainly in a terminal for development.
import { Agent } from './agent.js';
import { loadConfig } from './config.js';
import { systemdNotifier } from './systemd/notify.js';

const configPath = process.env.HEARTH_CONFIG ?? '/etc/hearth/agent.json';
const notifier = systemdNotifier();

async function main(): Promise<void> {
  const config = await loadConfig(configPath);
  const agent = await Agent.create(config);
  await agent.start();
  if (agent.device && !agent.device.paired()) process.stderr.write(await agent.device.pairingBanner());
  notifier.ready('running');
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
