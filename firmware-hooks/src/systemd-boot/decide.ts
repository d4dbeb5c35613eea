// systemd-boot A/B decisions (pure): what the ESP says the state is, and which renames/writes move it on.
// The loader is simulated, not guessed: the primary is the entry systemd-boot would pick if the trial failed.
import { BootConfigError, BootStateError, otherSlot, type BootState, type SlotName } from '../boot/contract.js';
import type { EspOp } from '../esp/ops.js';
import {
  DEFAULT_TRIES,
  ENTRIES_DIR,
  LOADER_CONF,
  entryFileName,
  parseEntryName,
  parseLoaderConf,
  sameDefault,
  withDefault,
  type DefaultSetting,
  type EntryName,
  type LoaderConf,
} from './names.js';

export interface EspSnapshot {
  /** File names in loader/entries, or null if the directory is missing. */
  entryFiles: string[] | null;
  loaderConf: string | null;
  booted: SlotName;
}

export interface SystemdBootView {
  entries: Record<SlotName, EntryName>;
  loaderConf: LoaderConf;
  booted: SlotName;
  state: BootState;
}

export function readView(snap: EspSnapshot, describe: (path: string) => string): SystemdBootView {
  if (snap.loaderConf === null) throw new BootConfigError(describe(LOADER_CONF), 'missing');
  const loaderConf = parseLoaderConf(snap.loaderConf, describe(LOADER_CONF));
  if (snap.entryFiles === null) throw new BootConfigError(describe(ENTRIES_DIR), 'directory missing');
  const inDir = (f: string) => describe(`${ENTRIES_DIR}/${f}`);
  const parsed = snap.entryFiles.map((f) => parseEntryName(f, inDir)).filter((e): e is EntryName => e !== null);
  const entries = {} as Record<SlotName, EntryName>;
  for (const slot of ['A', 'B'] as const) {
    const mine = parsed.filter((e) => e.slot === slot);
    if (mine.length === 0) {
      throw new BootConfigError(describe(ENTRIES_DIR), `no boot entry for slot ${slot} (expected ${entryFileName(slot)})`);
    }
    if (mine.length > 1) {
      throw new BootConfigError(describe(ENTRIES_DIR), `more than one entry for slot ${slot}: ${mine.map((e) => e.file).join(', ')}`);
    }
    entries[slot] = mine[0] as EntryName;
  }
  if (entries.A.trial && entries.B.trial) {
    throw new BootConfigError(describe(ENTRIES_DIR), `both slots are on trial (${entries.A.file}, ${entries.B.file})`);
  }
  return { entries, loaderConf, booted: snap.booted, state: deriveState(entries, loaderConf.defaultSetting, snap.booted) };
}

function isBad(e: EntryName): boolean {
  return e.counter !== null && e.counter.left === 0;
}

/**
 * The entry systemd-boot boots next. It sorts entries with no tries left last, the rest by descending id, then
 * takes the first one matching `default`, else the first one. `treatTrialAsBad` gives the fallback (the primary).
 */
export function loaderChoice(entries: Record<SlotName, EntryName>, def: DefaultSetting, treatTrialAsBad = false): SlotName {
  const bad = (e: EntryName) => isBad(e) || (treatTrialAsBad && e.trial);
  const sorted = [entries.A, entries.B].sort((x, y) => {
    if (bad(x) !== bad(y)) return bad(x) ? 1 : -1;
    const ix = idOf(x);
    const iy = idOf(y);
    return ix < iy ? 1 : ix > iy ? -1 : 0;
  });
  const matches = (e: EntryName) => def.kind === 'trial-glob' || (e.file === entryFileName(def.slot));
  const hit = sorted.find(matches) ?? sorted[0];
  return (hit as EntryName).slot;
}

function idOf(e: EntryName): string {
  return entryFileName(e.slot, { trial: e.trial });
}

function deriveState(entries: Record<SlotName, EntryName>, def: DefaultSetting, booted: SlotName): BootState {
  const primary = loaderChoice(entries, def, true);
  const trialEntry = entries.A.trial ? entries.A : entries.B.trial ? entries.B : null;
  if (!trialEntry) return { booted, primary, trial: null, lastBoot: 'normal' };
  // An entry blessed by systemd-bless-boot has no counter left to report: it is no longer being counted down.
  const left = trialEntry.counter?.left ?? 0;
  const done = trialEntry.counter?.done ?? 0;
  const trial = { slot: trialEntry.slot, triesLeft: left };
  if (booted === trialEntry.slot) return { booted, primary, trial, lastBoot: 'trial-ok' };
  // Not booted into the trial slot: either the trial has not started yet (nothing counted) or it fell back.
  const attempted = done > 0 || (trialEntry.counter !== null && left === 0);
  return { booted, primary, trial, lastBoot: attempted ? 'trial-failed-fell-back' : 'normal' };
}

export function planMarkTrial(view: SystemdBootView, slot: SlotName, tries = DEFAULT_TRIES): EspOp[] {
  if (!Number.isInteger(tries) || tries < 1 || tries > 9) throw new BootStateError(`tries must be 1..9, got ${tries}`);
  if (slot === view.booted) throw new BootStateError(`slot ${slot} is the running slot; a trial is for the other slot`);
  const running = view.entries[view.booted];
  if (running.trial) {
    throw new BootStateError(`the running slot ${view.booted} is itself on trial: commit it or mark it bad before trying ${slot}`);
  }
  // Rename first, default second: if power is cut in between, default still names the running slot explicitly
  // (hearth-a.conf), which does not match the trial entry, so the next boot is the running slot, unchanged.
  return [
    renameEntry(view.entries[slot].file, entryFileName(slot, { trial: true, left: tries })),
    ...defaultOps(view, { kind: 'trial-glob' }),
  ];
}

export function planCommitBooted(view: SystemdBootView): EspOp[] {
  const booted = view.booted;
  const entry = view.entries[booted];
  const other = view.entries[otherSlot(booted)];
  const ops: EspOp[] = [];
  // Rename first: with the glob default still in place the now counter-less entry of the booted slot is
  // "hearth-x.conf"; a cut here leaves two good entries under the glob, so the loader boots a good slot either way.
  if (entry.trial || entry.counter !== null) ops.push(renameEntry(entry.file, entryFileName(booted)));
  // An armed, not yet attempted trial of the other slot stays armed: committing "this boot is good" is routine
  // (every healthy boot) and must not silently cancel an update waiting for its reboot.
  const armedOther = other.trial && other.counter !== null && other.counter.left > 0 && other.counter.done === 0;
  ops.push(...defaultOps(view, armedOther ? { kind: 'trial-glob' } : { kind: 'slot', slot: booted }));
  return ops;
}

export function planMarkBad(view: SystemdBootView, slot: SlotName): EspOp[] {
  const entry = view.entries[slot];
  const good = otherSlot(slot);
  if (slot === view.state.primary && !entry.trial) {
    throw new BootStateError(`slot ${slot} is the primary; commit slot ${good} before marking ${slot} bad`);
  }
  if (view.entries[good].trial || isBad(view.entries[good])) {
    throw new BootStateError(`slot ${good} is not a committed good slot; refusing to leave no bootable slot`);
  }
  const done = entry.counter?.done ?? 0;
  // A zero "tries left" counter: systemd-boot sorts it last and never picks it first; our default never names it.
  const ops: EspOp[] = [renameEntry(entry.file, entryFileName(slot, { left: 0, done: Math.max(done, 1) }))];
  ops.push(...defaultOps(view, { kind: 'slot', slot: good }));
  return ops;
}

function defaultOps(view: SystemdBootView, setting: DefaultSetting): EspOp[] {
  if (sameDefault(view.loaderConf.defaultSetting, setting)) return [];
  return [{ kind: 'write', path: LOADER_CONF, content: withDefault(view.loaderConf, setting) }];
}

function renameEntry(from: string, to: string): EspOp {
  return { kind: 'rename', from: `${ENTRIES_DIR}/${from}`, to: `${ENTRIES_DIR}/${to}` };
}
