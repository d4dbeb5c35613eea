// The contract between the OTA code (which decides *when* to try, commit or reject a slot) and the per-target
// boot adapters (which know *how* a given boot loader is told). Vocabulary is RAUC's: slots A/B, good/bad/trying.
// docs/BOOT.md is the prose version of this file; keep them in step.

export type SlotName = 'A' | 'B';

export const SLOTS: readonly SlotName[] = ['A', 'B'];

export function otherSlot(slot: SlotName): SlotName {
  return slot === 'A' ? 'B' : 'A';
}

export function isSlotName(value: string): value is SlotName {
  return value === 'A' || value === 'B';
}

export interface TrialState {
  slot: SlotName;
  /** Boot attempts the loader will still make before it falls back to the primary. */
  triesLeft: number;
}

export interface BootState {
  booted: SlotName;
  /** The slot the loader boots when no trial is pending (the fallback while a trial runs). */
  primary: SlotName;
  /** A trial that is armed, running or failed, until commitBooted() or markBad() resolves it. */
  trial: TrialState | null;
  /**
   * normal: no trial ran this boot (none armed, or armed and not yet rebooted into).
   * trial-ok: this boot *is* the trial slot (it came up; commitBooted() makes it primary).
   * trial-failed-fell-back: a trial was attempted and the loader came back to the primary.
   */
  lastBoot: 'normal' | 'trial-ok' | 'trial-failed-fell-back';
}

export interface BootAdapter {
  readonly kind: string;
  bootedSlot(): Promise<SlotName>;
  state(): Promise<BootState>;
  /** Arm a trial boot of `slot` (must not be the booted slot) for the next reboot(s). */
  markTrial(slot: SlotName): Promise<void>;
  /** The running slot is good: make it the primary and clear its counters. */
  commitBooted(): Promise<void>;
  /** Never boot `slot` again until a new markTrial(); clears a trial of it. */
  markBad(slot: SlotName): Promise<void>;
  /**
   * The command that reboots into an armed trial. systemd-boot needs a plain reboot (the trial is on the ESP);
   * the Pi firmware takes the one-shot tryboot flag from the reboot argument itself.
   */
  trialRebootCommand(): readonly string[];
}

/**
 * Something on the boot partition (or a kernel interface file) is not what the contract says it must be.
 * `file` names it so an operator (or the phone UI) can tell which file to look at.
 */
export class BootConfigError extends Error {
  readonly file: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'BootConfigError';
    this.file = file;
  }
}

/** A request that contradicts the current state (e.g. a trial of the slot that is running). */
export class BootStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BootStateError';
  }
}
