// The owner-editable part of the configuration, on the boot partition (`/boot/firmware/hearth-config.json`), which
// a PC can write before first boot (as Raspberry Pi OS reads config.txt): which relay to use, which ACME CA, which
// app catalog. Only those sections; everything else stays in the read-only image's /etc/hearth/agent.json.
// A bad file is reported (file and field named) and ignored as a whole: the device still boots and serves the LAN,
// rather than crash-looping over a typo made on another computer.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { AgentConfigSchema, parseConfig, type AgentConfig } from './config.js';

export const DEFAULT_BOOT_CONFIG = '/boot/firmware/hearth-config.json';

const BootConfigSchema = Type.Object(
  {
    relay: Type.Optional(AgentConfigSchema.properties.relay),
    tls: Type.Optional(AgentConfigSchema.properties.tls),
    catalog: Type.Optional(AgentConfigSchema.properties.catalog),
  },
  { additionalProperties: false },
);
export type BootConfig = Static<typeof BootConfigSchema>;

export type BootConfigResult =
  | { kind: 'absent' }
  | { kind: 'applied'; config: AgentConfig; sections: string[] }
  | { kind: 'rejected'; reason: string };

/** Pure: validates `raw` (read from `path`) and lays it over `base`. File names in it are relative to its folder. */
export function applyBootConfig(base: AgentConfig, raw: unknown, path: string): BootConfigResult {
  const withDefaults = Value.Default(BootConfigSchema, structuredClone(raw ?? {}));
  if (!Value.Check(BootConfigSchema, withDefaults)) {
    const problems = [...Value.Errors(BootConfigSchema, withDefaults)].map((e) => `${e.path || '/'}: ${e.message}`);
    return { kind: 'rejected', reason: `${path} is not a valid Hearth boot configuration (${problems.join('; ')})` };
  }
  const boot = withDefaults as BootConfig;
  const dir = dirname(path);
  const local = (file: string | undefined): string | undefined => (file === undefined || isAbsolute(file) ? file : join(dir, file));
  if (boot.relay) boot.relay = { ...boot.relay, caFile: local(boot.relay.caFile) };
  if (boot.tls) boot.tls = { ...boot.tls, acmeCaFile: local(boot.tls.acmeCaFile) };
  for (const key of Object.keys(boot) as (keyof BootConfig)[]) if (boot[key] === undefined) delete boot[key];
  const merged = parseConfig(JSON.parse(JSON.stringify({ ...base, ...boot })), path);
  return { kind: 'applied', config: merged, sections: Object.keys(boot) };
}

export async function readBootConfig(base: AgentConfig, path: string): Promise<BootConfigResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'absent' };
    return { kind: 'rejected', reason: `${path}: cannot be read (${code ?? (err as Error).message})` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { kind: 'rejected', reason: `${path}: not valid JSON (${(err as Error).message})` };
  }
  return applyBootConfig(base, raw, path);
}
