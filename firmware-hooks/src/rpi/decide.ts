// Raspberry Pi tryboot decisions (pure). The firmware keeps no counter: the tryboot flag lives for one reboot
// only. So a trial is remembered in hearth-trial.txt next to autoboot.txt, stamped with the boot id of the boot
// that armed it: same boot id = armed, not yet rebooted; another boot id and not running the trial slot = the
// trial boot happened (or was skipped by a power cut) and we are back on the primary.
import { BootConfigError, BootStateError, otherSlot, type BootState, type SlotName } from '../boot/contract.js';
import type { EspOp } from '../esp/ops.js';
import { AUTOBOOT_TXT, parseAutoboot, renderAutoboot, slotOfPartition, type Autoboot, type SlotPartitions } from './autoboot.js';
import type { BootloaderInfo } from './device-tree.js';

export const TRIAL_MARKER = 'hearth-trial.txt';

export interface TrialMarker {
  slot: SlotName;
  armedBootId: string;
}

export function parseTrialMarker(text: string, where: string): TrialMarker {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^([a-z-]+)=(\S+)$/.exec(line.trim());
    if (!m?.[1] || !m[2]) throw new BootConfigError(where, `cannot parse ${JSON.stringify(line)}`);
    fields.set(m[1], m[2]);
  }
  const slot = fields.get('slot');
  const armedBootId = fields.get('armed-boot-id');
  if (slot !== 'A' && slot !== 'B') throw new BootConfigError(where, `slot must be A or B, got ${slot ?? 'nothing'}`);
  if (!armedBootId) throw new BootConfigError(where, 'missing armed-boot-id');
  return { slot, armedBootId };
}

export function renderTrialMarker(m: TrialMarker): string {
  return `slot=${m.slot}\narmed-boot-id=${m.armedBootId}\n`;
}

export interface RpiSnapshot {
  autoboot: string | null;
  marker: string | null;
  bootloader: BootloaderInfo;
  bootId: string;
}

export interface RpiView {
  autoboot: Autoboot;
  marker: TrialMarker | null;
  booted: SlotName;
  bootId: string;
  state: BootState;
}

export function readRpiView(
  snap: RpiSnapshot,
  parts: SlotPartitions,
  describe: (path: string) => string,
  dtPartitionFile: string,
): RpiView {
  if (snap.autoboot === null) throw new BootConfigError(describe(AUTOBOOT_TXT), 'missing');
  const autoboot = parseAutoboot(snap.autoboot, parts, describe(AUTOBOOT_TXT));
  const marker = snap.marker === null ? null : parseTrialMarker(snap.marker, describe(TRIAL_MARKER));
  const booted = slotOfPartition(parts, snap.bootloader.partition);
  if (!booted) {
    throw new BootConfigError(
      dtPartitionFile,
      `booted from partition ${snap.bootloader.partition}, which is neither slot A (${parts.A}) nor B (${parts.B})`,
    );
  }
  return { autoboot, marker, booted, bootId: snap.bootId, state: deriveState(autoboot, marker, booted, snap) };
}

function deriveState(autoboot: Autoboot, marker: TrialMarker | null, booted: SlotName, snap: RpiSnapshot): BootState {
  const primary = autoboot.primary;
  const armedThisBoot = marker !== null && marker.armedBootId === snap.bootId;
  const trialSlot = marker?.slot ?? (snap.bootloader.tryboot ? booted : null);
  if (!trialSlot) return { booted, primary, trial: null, lastBoot: 'normal' };
  const trial = { slot: trialSlot, triesLeft: armedThisBoot ? 1 : 0 };
  if (booted === trialSlot && !armedThisBoot) return { booted, primary, trial, lastBoot: 'trial-ok' };
  return { booted, primary, trial, lastBoot: armedThisBoot ? 'normal' : 'trial-failed-fell-back' };
}

function autobootOps(view: RpiView, next: Autoboot, parts: SlotPartitions): EspOp[] {
  if (view.autoboot.primary === next.primary && view.autoboot.tryboot === next.tryboot) return [];
  return [{ kind: 'write', path: AUTOBOOT_TXT, content: renderAutoboot(next, parts) }];
}

export function planRpiMarkTrial(view: RpiView, slot: SlotName, parts: SlotPartitions): EspOp[] {
  if (slot === view.booted) throw new BootStateError(`slot ${slot} is the running slot; a trial is for the other slot`);
  if (view.state.lastBoot === 'trial-ok') {
    throw new BootStateError(`the running slot ${view.booted} is itself on trial: commit it or mark it bad before trying ${slot}`);
  }
  // autoboot.txt first: until the marker exists nothing is armed, and [tryboot] only matters with the reboot flag.
  return [
    ...autobootOps(view, { primary: otherSlot(slot), tryboot: slot }, parts),
    { kind: 'write', path: TRIAL_MARKER, content: renderTrialMarker({ slot, armedBootId: view.bootId }) },
  ];
}

export function planRpiCommitBooted(view: RpiView, parts: SlotPartitions): EspOp[] {
  const booted = view.booted;
  // Keep a trial of the other slot that was armed in this very boot (committing is routine on every healthy boot).
  const keepMarker = view.marker !== null && view.marker.slot !== booted && view.marker.armedBootId === view.bootId;
  const ops = autobootOps(view, { primary: booted, tryboot: otherSlot(booted) }, parts);
  if (view.marker && !keepMarker) ops.push({ kind: 'remove', path: TRIAL_MARKER });
  return ops;
}

export function planRpiMarkBad(view: RpiView, slot: SlotName, parts: SlotPartitions): EspOp[] {
  if (slot === view.autoboot.primary) {
    throw new BootStateError(`slot ${slot} is the primary; commit slot ${otherSlot(slot)} before marking ${slot} bad`);
  }
  const ops = autobootOps(view, { primary: otherSlot(slot), tryboot: slot }, parts);
  if (view.marker?.slot === slot) ops.push({ kind: 'remove', path: TRIAL_MARKER });
  return ops;
}
