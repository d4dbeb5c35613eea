// BootAdapter for the Raspberry Pi 4 EEPROM bootloader's tryboot A/B mode. Partition 1 (FAT) holds autoboot.txt
// and our trial marker; partitions 2 and 3 are the slots' boot partitions. See docs/BOOT.md.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { BootConfigError, type BootAdapter, type BootState, type SlotName } from '../boot/contract.js';
import { describePath, type EspAccess } from '../esp/esp-access.js';
import { applyOps, type EspOp } from '../esp/ops.js';
import { AUTOBOOT_TXT, DEFAULT_SLOT_PARTITIONS, type SlotPartitions } from './autoboot.js';
import { DEFAULT_BOOTLOADER_DT_DIR, readBootloaderInfo } from './device-tree.js';
import { planRpiCommitBooted, planRpiMarkBad, planRpiMarkTrial, readRpiView, TRIAL_MARKER, type RpiView } from './decide.js';

export interface RpiTrybootAdapterOptions {
  /** The common boot partition (partition 1) holding autoboot.txt. */
  bootPartition: EspAccess;
  logger: Logger;
  /** Normally /proc/device-tree/chosen/bootloader. */
  deviceTreeDir?: string;
  /** Normally /proc/sys/kernel/random/boot_id. */
  bootIdPath?: string;
  slotPartitions?: SlotPartitions;
}

export class RpiTrybootAdapter implements BootAdapter {
  readonly kind = 'rpi-tryboot';
  private readonly esp: EspAccess;
  private readonly log: Logger;
  private readonly dtDir: string;
  private readonly bootIdPath: string;
  private readonly parts: SlotPartitions;

  constructor(opts: RpiTrybootAdapterOptions) {
    this.esp = opts.bootPartition;
    this.log = opts.logger.child({ boot: this.kind });
    this.dtDir = opts.deviceTreeDir ?? DEFAULT_BOOTLOADER_DT_DIR;
    this.bootIdPath = opts.bootIdPath ?? '/proc/sys/kernel/random/boot_id';
    this.parts = opts.slotPartitions ?? DEFAULT_SLOT_PARTITIONS;
    if (this.parts.A === this.parts.B) throw new Error('slot A and B must have different boot partitions');
  }

  async bootedSlot(): Promise<SlotName> {
    return (await this.view()).booted;
  }

  private async readBootId(): Promise<string> {
    try {
      const id = (await readFile(this.bootIdPath, 'utf8')).trim();
      if (!/^[0-9a-f-]{8,64}$/i.test(id)) throw new Error(`not a boot id: ${JSON.stringify(id)}`);
      return id;
    } catch (err) {
      throw new BootConfigError(this.bootIdPath, `cannot read boot id: ${(err as Error).message}`);
    }
  }

  private async view(): Promise<RpiView> {
    const [autoboot, marker, bootloader, bootId] = await Promise.all([
      this.esp.readFile(AUTOBOOT_TXT),
      this.esp.readFile(TRIAL_MARKER),
      readBootloaderInfo(this.dtDir),
      this.readBootId(),
    ]);
    return readRpiView(
      { autoboot, marker, bootloader, bootId },
      this.parts,
      (p) => describePath(this.esp, p),
      join(this.dtDir, 'partition'),
    );
  }

  async state(): Promise<BootState> {
    return (await this.view()).state;
  }

  async markTrial(slot: SlotName): Promise<void> {
    await this.apply('mark-trial', slot, planRpiMarkTrial(await this.view(), slot, this.parts));
  }

  async commitBooted(): Promise<void> {
    const view = await this.view();
    await this.apply('commit', view.booted, planRpiCommitBooted(view, this.parts));
  }

  async markBad(slot: SlotName): Promise<void> {
    await this.apply('mark-bad', slot, planRpiMarkBad(await this.view(), slot, this.parts));
  }

  trialRebootCommand(): readonly string[] {
    // The reboot argument reaches the firmware through the mailbox; "0 tryboot" = partition 0 (default), tryboot flag.
    return ['systemctl', 'reboot', '0 tryboot'];
  }

  private async apply(action: string, slot: SlotName, ops: EspOp[]): Promise<void> {
    this.log.info({ action, slot, ops: ops.map((o) => (o.kind === 'rename' ? `rename ${o.from}` : `${o.kind} ${o.path}`)) }, 'updating tryboot files');
    await applyOps(this.esp, ops);
  }
}
