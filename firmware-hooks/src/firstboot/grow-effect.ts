// Carrying out a grow plan: rewrite the partition entry with sfdisk (which also moves a GPT backup header to the
// new end of the disk), tell the kernel (block devices), then check and resize the ext4 file system. A mounted file
// system (the image's grow unit runs after /data is mounted, off the boot's critical path) is grown online by
// resize2fs through the kernel, without the offline check.
// On an image file (tests, image builds) the file system is reached through a loop device at the partition's
// offset, because resize2fs has no offset option.
import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { runCommand, type CommandRunner } from '../exec.js';
import { planGrow, type DataPartitionRef, type GrowPlan } from './grow-plan.js';

export interface GrowOptions {
  /** Whole disk: /dev/mmcblk0, /dev/sda, or a disk image file. */
  disk: string;
  data: DataPartitionRef;
  logger: Logger;
  run?: CommandRunner;
}

export async function growDataPartition(opts: GrowOptions): Promise<GrowPlan> {
  const run = opts.run ?? runCommand;
  const info = await stat(opts.disk);
  const isBlock = info.isBlockDevice();
  const size = isBlock ? Number((await run('blockdev', ['--getsize64', opts.disk])).trim()) : info.size;
  const sfdisk: unknown = JSON.parse(await run('sfdisk', ['--json', opts.disk]));
  const plan = planGrow({ sfdisk, diskSizeBytes: size, data: opts.data });
  if (plan.action === 'none') {
    opts.logger.info({ disk: opts.disk, reason: plan.reason }, 'data partition: nothing to grow');
    return plan;
  }
  opts.logger.info({ disk: opts.disk, partition: plan.partitionNumber, oldSize: plan.oldSize, newSize: plan.newSize }, 'growing data partition');
  // --no-reread: the disk is in use (root is on it); the kernel is told about this one partition below instead.
  await run('sfdisk', ['--no-reread', '--no-tell-kernel', '-q', '-N', String(plan.partitionNumber), opts.disk], {
    input: `${plan.start},${plan.newSize}\n`,
  });
  if (isBlock) {
    await run('partx', ['--update', '--nr', String(plan.partitionNumber), opts.disk]);
    const mountedAt = (await run('findmnt', ['-rn', '-o', 'TARGET', '-S', plan.node], { okCodes: [1] })).trim();
    if (mountedAt) await run('resize2fs', [plan.node]);
    else await resizeFs(run, plan.node);
  } else {
    const loop = (
      await run('losetup', [
        '--find', '--show',
        '--offset', String(plan.start * plan.sectorSize),
        '--sizelimit', String(plan.newSize * plan.sectorSize),
        opts.disk,
      ])
    ).trim();
    try {
      await resizeFs(run, loop);
    } finally {
      await run('losetup', ['--detach', loop]);
    }
  }
  return plan;
}

async function resizeFs(run: CommandRunner, device: string): Promise<void> {
  // resize2fs insists on a freshly checked file system when it is not mounted; first boot runs before the mount.
  // e2fsck exit 1 = "errors corrected", still fine to resize.
  await run('e2fsck', ['-f', '-p', device], { okCodes: [1] });
  await run('resize2fs', [device]);
}
