#!/usr/bin/env node
// hearth-firmware: what the image's systemd units (and an operator on the console) call.
//   status                  boot state as JSON
//   mark-trial <A|B>        arm a trial of the other slot (--reboot: and reboot into it)
//   commit                  the running slot is good
//   mark-bad <A|B>          never boot that slot again (until a new trial)
//   firstboot               grow data partition, set hostname, enable watchdog (once)
//   hostname                name the running system after the device ID (read-only roots, every boot)
//   grow-data               grow the data partition to the end of its disk (every boot; a no-op once grown)
// Results go to stdout as JSON, logs to stderr; exit 1 on any error, with the message (naming the file) on stderr.
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { pino, type Logger } from 'pino';
import { isSlotName, type BootAdapter, type SlotName } from './boot/contract.js';
import { defaultCandidates, detectAdapter } from './detect.js';
import { DirectoryEsp } from './esp/dir-esp.js';
import type { EspAccess } from './esp/esp-access.js';
import { MtoolsEsp } from './esp/mtools-esp.js';
import { runCommand, type CommandRunner } from './exec.js';
import { findDiskOfPartlabel } from './firstboot/find-disk.js';
import { growDataPartition } from './firstboot/grow-effect.js';
import { runFirstBoot } from './firstboot/run.js';
import { KERNEL_HOSTNAME, setKernelHostname } from './firstboot/hostname.js';

export interface CliDeps {
  logger: Logger;
  write: (text: string) => void;
  run: CommandRunner;
}

interface BootOpts {
  espDir?: string[];
  espImage?: string[];
  cmdline?: string;
  deviceTree?: string;
  bootId?: string;
}

function parseSlot(value: string): SlotName {
  const slot = value.toUpperCase();
  if (!isSlotName(slot)) throw new InvalidArgumentError('slot must be A or B');
  return slot;
}

function collect(value: string, prev: string[] = []): string[] {
  return [...prev, value];
}

/** "disk.img@@1048576" → the FAT file system at that byte offset of the image. */
export function parseEspImage(spec: string): MtoolsEsp {
  const m = /^(.+?)(?:@@(\d+))?$/.exec(spec);
  if (!m?.[1]) throw new InvalidArgumentError(`expected IMAGE or IMAGE@@OFFSET, got ${spec}`);
  return new MtoolsEsp({ image: m[1], offset: m[2] ? Number(m[2]) : 0 });
}

async function adapterFor(opts: BootOpts, logger: Logger): Promise<BootAdapter> {
  const given: EspAccess[] = [...(opts.espDir ?? []).map((d) => new DirectoryEsp(d)), ...(opts.espImage ?? []).map(parseEspImage)];
  return detectAdapter(
    {
      candidates: given.length > 0 ? given : defaultCandidates(),
      ...(opts.cmdline ? { cmdlinePath: opts.cmdline } : {}),
      ...(opts.deviceTree ? { deviceTreeDir: opts.deviceTree } : {}),
      ...(opts.bootId ? { bootIdPath: opts.bootId } : {}),
    },
    logger,
  );
}

function bootOptions(cmd: Command): Command {
  return cmd
    .option('--esp-dir <dir>', 'boot partition mounted at <dir> (repeatable; default: /efi, /boot/efi, /boot, /boot/firmware)', collect)
    .option('--esp-image <image[@@offset]>', 'boot partition inside a disk image, edited with mtools (repeatable)', collect)
    .option('--cmdline <path>', 'kernel command line (default /proc/cmdline)')
    .option('--device-tree <dir>', 'Pi bootloader device-tree node (default /proc/device-tree/chosen/bootloader)')
    .option('--boot-id <path>', 'boot id (default /proc/sys/kernel/random/boot_id)');
}

function readDeviceIdFile(path: string): Promise<string> {
  return readFile(path, 'utf8').catch((err: Error) => {
    throw new Error(`${path}: cannot read the device ID (${err.message})`);
  });
}

export function createProgram(deps: CliDeps): Command {
  const program = new Command('hearth-firmware').description('Hearth A/B boot and first-boot hooks').exitOverride();
  const out = (value: unknown) => deps.write(`${JSON.stringify(value)}\n`);

  bootOptions(program.command('status').description('print the boot state as JSON')).action(async (opts: BootOpts) => {
    const adapter = await adapterFor(opts, deps.logger);
    out({ kind: adapter.kind, ...(await adapter.state()) });
  });

  bootOptions(program.command('mark-trial').argument('<slot>', 'A or B', parseSlot))
    .description('arm a one-time trial boot of <slot>')
    .option('--reboot', 'reboot into the trial now')
    .action(async (slot: SlotName, opts: BootOpts & { reboot?: boolean }) => {
      const adapter = await adapterFor(opts, deps.logger);
      await adapter.markTrial(slot);
      const state = await adapter.state();
      out({ kind: adapter.kind, ...state });
      if (opts.reboot) {
        const [cmd, ...args] = adapter.trialRebootCommand();
        if (cmd) await deps.run(cmd, args);
      }
    });

  bootOptions(program.command('commit').description('the running slot is good: make it the default')).action(async (opts: BootOpts) => {
    const adapter = await adapterFor(opts, deps.logger);
    await adapter.commitBooted();
    out({ kind: adapter.kind, ...(await adapter.state()) });
  });

  bootOptions(program.command('mark-bad').argument('<slot>', 'A or B', parseSlot))
    .description('never boot <slot> again until a new trial')
    .action(async (slot: SlotName, opts: BootOpts) => {
      const adapter = await adapterFor(opts, deps.logger);
      await adapter.markBad(slot);
      out({ kind: adapter.kind, ...(await adapter.state()) });
    });

  program
    .command('firstboot')
    .description('grow the data partition, set the hostname, enable the watchdog (once)')
    .option('--root <dir>', 'root of the installed system', '/')
    .option('--device-id <id>', 'device ID (26 chars of [a-z2-7])')
    .option('--device-id-file <path>', 'file holding the device ID', '/var/lib/hearth/device-id')
    .option('--data-label <label>', 'GPT label of the data partition (its disk is found through /dev and /sys)', 'data')
    .option('--disk <path>', 'whole disk or image holding the data partition (overrides the label lookup)')
    .option('--data-number <n>', 'partition number of the data partition on --disk', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
      return n;
    })
    .option('--no-grow', 'do not grow the data partition')
    .option('--dev <dir>', 'where device nodes live', '/dev')
    .action(async (opts: { root: string; deviceId?: string; deviceIdFile: string; dataLabel: string; disk?: string; dataNumber?: number; grow: boolean; dev: string }) => {
      const deviceId = opts.deviceId ?? (await readDeviceIdFile(opts.deviceIdFile));
      let grow = null;
      if (opts.grow) {
        if (opts.disk) grow = { disk: opts.disk, data: opts.dataNumber ? { number: opts.dataNumber } : { name: opts.dataLabel } };
        else {
          const found = await findDiskOfPartlabel(opts.dataLabel, { dev: opts.dev });
          grow = { disk: found.disk, data: { number: found.partitionNumber } };
        }
      }
      out(await runFirstBoot({ root: opts.root, deviceId, grow, devDir: opts.dev, logger: deps.logger, run: deps.run }));
    });

  program
    .command('hostname')
    .description('set the running hostname to hearth-<device ID prefix> (the image runs it after the agent started)')
    .option('--device-id-file <path>', 'file holding the device ID (the agent publishes it)', '/data/hearth/identity/device-id')
    .option('--kernel-hostname <path>', 'the kernel hostname file', KERNEL_HOSTNAME)
    .action(async (opts: { deviceIdFile: string; kernelHostname: string }) => {
      out(await setKernelHostname(await readDeviceIdFile(opts.deviceIdFile), opts.kernelHostname));
    });

  program
    .command('grow-data')
    .description('grow the data partition and its ext4 file system to the end of the disk (online when mounted)')
    .option('--fs-label <label>', 'file system label of the data partition (GPT and MBR disks alike)', 'hearth-data')
    .option('--dev <dir>', 'where device nodes live', '/dev')
    .action(async (opts: { fsLabel: string; dev: string }) => {
      const found = await findDiskOfPartlabel(opts.fsLabel, { dev: opts.dev }, 'by-label');
      out(await growDataPartition({ disk: found.disk, data: { number: found.partitionNumber }, logger: deps.logger, run: deps.run }));
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const logger = pino({ name: 'hearth-firmware' }, pino.destination(2));
  const program = createProgram({ logger, write: (s) => process.stdout.write(s), run: runCommand });
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    // commander already printed usage errors; --help and --version exit "successfully".
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return 0;
    if (!code?.startsWith('commander.')) process.stderr.write(`hearth-firmware: ${(err as Error).message}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv);
}
