// `environment` as a map or a `NAME=value` list normalises to one sorted map of strings, so both spellings (and any
// order) give the same model. Values taken from the deploying host's environment are refused: the device has none.
import type { IssueList, Path } from './issues.js';

type RawEnvironment = Record<string, string | number | boolean | null> | string[];

const NAME = /^[^=\0\s]+$/;

function sorted(entries: Map<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of [...entries.keys()].sort()) out[key] = entries.get(key) as string;
  return out;
}

export function normaliseEnvironment(raw: RawEnvironment, path: Path, issues: IssueList): Record<string, string> {
  const entries = new Map<string, string>();
  if (Array.isArray(raw)) {
    raw.forEach((item, i) => {
      const eq = item.indexOf('=');
      const name = eq < 0 ? item : item.slice(0, eq);
      if (eq < 0) issues.add([...path, i], `"${item}" has no value: passing through the host's ${item} is not supported; write ${item}=value`);
      else if (!NAME.test(name)) issues.add([...path, i], `"${name}" is not a valid variable name`);
      else if (entries.has(name)) issues.add([...path, i], `${name} is set twice`);
      else entries.set(name, item.slice(eq + 1));
    });
    return sorted(entries);
  }
  for (const [name, value] of Object.entries(raw)) {
    if (!NAME.test(name)) issues.add([...path, name], `"${name}" is not a valid variable name`);
    else if (value === null) issues.add([...path, name], `has no value: passing through the host's ${name} is not supported; give it a value`);
    else entries.set(name, String(value));
  }
  return sorted(entries);
}
