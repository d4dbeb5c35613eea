// What the image build writes onto a fresh ESP, so the adapter finds the layout it expects on first boot.
import type { SlotName } from '../boot/contract.js';
import { entryFileName, ENTRIES_DIR, goodEntryPattern, LOADER_CONF } from './names.js';

export interface EntrySpec {
  slot: SlotName;
  title?: string;
  /** Paths on the ESP, e.g. /hearth/a/vmlinuz. */
  linux: string;
  initrd?: string[];
  /** Kernel options; `hearth.slot=<slot>` is added so the running system knows which slot it is. */
  options: string;
}

export function renderEntry(spec: EntrySpec): string {
  if (/\bhearth\.slot=/.test(spec.options)) throw new Error('entry options must not set hearth.slot= themselves');
  const lines = [`title ${spec.title ?? `Hearth (slot ${spec.slot})`}`, `linux ${spec.linux}`];
  for (const initrd of spec.initrd ?? []) lines.push(`initrd ${initrd}`);
  lines.push(`options ${spec.options} hearth.slot=${spec.slot}`);
  return `${lines.join('\n')}\n`;
}

export function renderLoaderConf(primary: SlotName, opts: { timeoutSec?: number } = {}): string {
  // editor no: the kernel command line must not be editable at the console of an unattended appliance.
  return `default ${goodEntryPattern(primary)}\ntimeout ${opts.timeoutSec ?? 0}\neditor no\n`;
}

/** Files for a fresh install: both slots good, `primary` the default. */
export function freshEspFiles(a: EntrySpec, b: EntrySpec, primary: SlotName = 'A'): Record<string, string> {
  return {
    [LOADER_CONF]: renderLoaderConf(primary),
    [`${ENTRIES_DIR}/${entryFileName('A')}`]: renderEntry(a),
    [`${ENTRIES_DIR}/${entryFileName('B')}`]: renderEntry(b),
  };
}
