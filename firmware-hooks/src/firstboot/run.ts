// First boot, in the order that matters: grow the data partition (before anything mounts or fills it), name the
// host after its device ID, arm the hardware watchdog. Every step is idempotent; the done-marker is written only
// after all succeeded, so a power cut during first boot simply runs it again.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { CommandRunner } from '../exec.js';
import { writeFileAtomic } from '../fs/atomic-file.js';
import { growDataPartition, type GrowOptions } from './grow-effect.js';
import type { DataPartitionRef, GrowPlan } from './grow-plan.js';
import { writeHostname } from './hostname.js';
import { enableWatchdog, type WatchdogPlan, type WatchdogSettings } from './watchdog.js';

export const FIRSTBOOT_DONE = 'var/lib/hearth/firstboot.done';

export interface FirstBootOptions {
  /** Root of the installed system ('/' on the device, a directory in tests). */
  root: string;
  deviceId: string;
  /** null skips growing (e.g. a cloud image whose disk is grown by cloud tooling). */
  grow: { disk: string; data: DataPartitionRef } | null;
  /** Where watchdog device nodes are listed (/dev). */
  devDir: string;
  watchdog?: WatchdogSettings;
  logger: Logger;
  run?: CommandRunner;
}

export interface FirstBootReport {
  alreadyDone: boolean;
  grow?: GrowPlan | { action: 'skipped' };
  hostname?: string;
  watchdog?: WatchdogPlan;
}

export async function runFirstBoot(opts: FirstBootOptions): Promise<FirstBootReport> {
  const marker = join(opts.root, FIRSTBOOT_DONE);
  const previous = await readFile(marker, 'utf8').catch(() => null);
  if (previous !== null) {
    opts.logger.info({ marker }, 'first boot already done');
    return { alreadyDone: true };
  }
  const report: FirstBootReport = { alreadyDone: false };
  if (opts.grow) {
    const growOpts: GrowOptions = { disk: opts.grow.disk, data: opts.grow.data, logger: opts.logger };
    if (opts.run) growOpts.run = opts.run;
    report.grow = await growDataPartition(growOpts);
  } else {
    report.grow = { action: 'skipped' };
  }
  report.hostname = await writeHostname(opts.root, opts.deviceId);
  report.watchdog = await enableWatchdog(opts.root, opts.devDir, opts.watchdog);
  opts.logger.info({ hostname: report.hostname, grow: report.grow.action, watchdog: report.watchdog.action }, 'first boot done');
  await writeFileAtomic(marker, `${JSON.stringify(report)}\n`);
  return report;
}
