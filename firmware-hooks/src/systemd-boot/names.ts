// File names and loader.conf lines for Hearth's systemd-boot entries (pure).
//
// Entry names (in loader/entries/):
//   hearth-a.conf               slot A, good (no boot counting)
//   hearth-b+0-3.conf           slot B, bad (counter exhausted; systemd-boot sorts it last, we never default to it)
//   hearth-trial-b+3.conf       slot B armed for a trial with 3 tries; systemd-boot renames it +2-1, +1-2, +0-3
// The "trial-" infix makes the trial entry sort *first* (systemd-boot orders entries without sort-key by
// descending id, and "hearth-trial-…" > "hearth-b…" > "hearth-a…"), whichever slot is on trial.
import { BootConfigError, type SlotName } from '../boot/contract.js';

export const ENTRIES_DIR = 'loader/entries';
export const LOADER_CONF = 'loader/loader.conf';
export const TRIAL_GLOB = 'hearth-*';
export const DEFAULT_TRIES = 3;

export interface EntryName {
  file: string;
  slot: SlotName;
  trial: boolean;
  /** null when boot counting is off for this entry (a "good" entry). */
  counter: { left: number; done: number } | null;
}

const ENTRY_RE = /^hearth-(trial-)?([ab])(?:\+(\d{1,4})(?:-(\d{1,4}))?)?\.conf$/;

/** null for files that are not Hearth entries (other loaders' entries are left alone). */
export function parseEntryName(file: string, describe: (file: string) => string): EntryName | null {
  if (!file.toLowerCase().startsWith('hearth-') || !file.toLowerCase().endsWith('.conf')) return null;
  const m = ENTRY_RE.exec(file);
  if (!m?.[2]) {
    throw new BootConfigError(
      describe(file),
      'not a valid Hearth boot entry name (expected hearth-a.conf, hearth-b+3.conf, hearth-trial-b+2-1.conf…)',
    );
  }
  const slot = m[2].toUpperCase() as SlotName;
  const counter = m[3] === undefined ? null : { left: Number(m[3]), done: m[4] === undefined ? 0 : Number(m[4]) };
  return { file, slot, trial: m[1] !== undefined, counter };
}

export function entryFileName(slot: SlotName, opts: { trial?: boolean; left?: number; done?: number } = {}): string {
  const base = `hearth-${opts.trial ? 'trial-' : ''}${slot.toLowerCase()}`;
  if (opts.left === undefined) return `${base}.conf`;
  return opts.done ? `${base}+${opts.left}-${opts.done}.conf` : `${base}+${opts.left}.conf`;
}

export function goodEntryPattern(slot: SlotName): string {
  return entryFileName(slot);
}

export type DefaultSetting = { kind: 'slot'; slot: SlotName } | { kind: 'trial-glob' };

export interface LoaderConf {
  lines: string[];
  defaultSetting: DefaultSetting;
}

/** Parse loader.conf, keeping every other line as is so rewrites only touch `default`. */
export function parseLoaderConf(text: string, where: string): LoaderConf {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let value: string | undefined;
  for (const line of lines) {
    const m = /^\s*default\s+(\S+)\s*$/.exec(line);
    if (m?.[1]) value = m[1];
    else if (/^\s*default\b/.test(line)) throw new BootConfigError(where, `unreadable "default" line: ${JSON.stringify(line)}`);
  }
  if (value === undefined) throw new BootConfigError(where, 'no "default" line (expected default hearth-a.conf, hearth-b.conf or hearth-*)');
  return { lines, defaultSetting: parseDefault(value, where) };
}

function parseDefault(value: string, where: string): DefaultSetting {
  if (value === TRIAL_GLOB) return { kind: 'trial-glob' };
  if (value === goodEntryPattern('A')) return { kind: 'slot', slot: 'A' };
  if (value === goodEntryPattern('B')) return { kind: 'slot', slot: 'B' };
  throw new BootConfigError(where, `default "${value}" is not one Hearth writes (hearth-a.conf, hearth-b.conf or hearth-*)`);
}

export function renderDefault(setting: DefaultSetting): string {
  return setting.kind === 'trial-glob' ? TRIAL_GLOB : goodEntryPattern(setting.slot);
}

export function withDefault(conf: LoaderConf, setting: DefaultSetting): string {
  const line = `default ${renderDefault(setting)}`;
  let replaced = false;
  const lines = conf.lines.flatMap((l) => {
    if (!/^\s*default\b/.test(l)) return [l];
    if (replaced) return [];
    replaced = true;
    return [line];
  });
  if (!replaced) lines.unshift(line);
  return `${lines.join('\n')}\n`;
}

export function sameDefault(a: DefaultSetting, b: DefaultSetting): boolean {
  return a.kind === b.kind && (a.kind !== 'slot' || (b.kind === 'slot' && a.slot === b.slot));
}
