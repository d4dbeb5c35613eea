// BootAdapter for systemd-boot with Automatic Boot Assessment (x86-64 and cloud VMs). All state lives in file
// names under loader/entries/ and the `default` line of loader/loader.conf; see docs/BOOT.md for the scheme.
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { slotFromCmdline } from '../boot/cmdline.js';
import { BootConfigError, type BootAdapter, type BootState, type SlotName } from '../boot/contract.js';
import { describePath, type EspAccess } from '../esp/esp-access.js';
import { applyOps, type EspOp } from '../esp/ops.js';
import { planCommitBooted, planMarkBad, planMarkTrial, readView, type SystemdBootView } from './decide.js';
import { DEFAULT_TRIES, ENTRIES_DIR, LOADER_CONF } from './names.js';

export interface SystemdBootAdapterOptions {
  esp: EspAccess;
  /** Normally /proc/cmdline; tests point it at a fixture. */
  cmdlinePath: string;
  logger: Logger;
  tries?: number;
}

export class SystemdBootAdapter implements BootAdapter {
  readonly kind = 'systemd-boot';
  private readonly esp: EspAccess;
  private readonly cmdlinePath: string;
  private readonly log: Logger;
  private readonly tries: number;

  constructor(opts: SystemdBootAdapterOptions) {
    this.esp = opts.esp;
    this.cmdlinePath = opts.cmdlinePath;
    this.log = opts.logger.child({ boot: this.kind });
    this.tries = opts.tries ?? DEFAULT_TRIES;
  }

  async bootedSlot(): Promise<SlotName> {
    let text: string;
    try {
      text = await readFile(this.cmdlinePath, 'utf8');
    } catch (err) {
      throw new BootConfigError(this.cmdlinePath, `cannot read kernel command line: ${(err as Error).message}`);
    }
    return slotFromCmdline(text, this.cmdlinePath);
  }

  private async view(): Promise<SystemdBootView> {
    const [booted, entryFiles, loaderConf] = await Promise.all([
      this.bootedSlot(),
      this.esp.listFiles(ENTRIES_DIR),
      this.esp.readFile(LOADER_CONF),
    ]);
    return readView({ booted, entryFiles, loaderConf }, (p) => describePath(this.esp, p));
  }

  async state(): Promise<BootState> {
    return (await this.view()).state;
  }

  async markTrial(slot: SlotName): Promise<void> {
    await this.apply('mark-trial', planMarkTrial(await this.view(), slot, this.tries), { slot });
  }

  async commitBooted(): Promise<void> {
    const view = await this.view();
    await this.apply('commit', planCommitBooted(view), { slot: view.booted });
  }

  async markBad(slot: SlotName): Promise<void> {
    await this.apply('mark-bad', planMarkBad(await this.view(), slot), { slot });
  }

  trialRebootCommand(): readonly string[] {
    return ['systemctl', 'reboot'];
  }

  private async apply(action: string, ops: EspOp[], ctx: { slot: SlotName }): Promise<void> {
    this.log.info({ action, slot: ctx.slot, ops: ops.map(describeOp) }, 'updating boot entries');
    await applyOps(this.esp, ops);
  }
}

function describeOp(op: EspOp): string {
  return op.kind === 'rename' ? `rename ${op.from} -> ${op.to}` : `${op.kind} ${op.path}`;
}
