// Host name checks for certificate requests. Pure functions; errors name the offending value.

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Lower-cases, trims a trailing dot and checks a DNS name (an optional leading `*.` label is allowed). */
export function normaliseHostname(raw: string): string {
  if (typeof raw !== 'string') throw new Error(`host name must be a string, got ${typeof raw}`);
  const name = raw.trim().toLowerCase().replace(/\.$/, '');
  if (name.length === 0 || name.length > 253) throw new Error(`invalid host name "${raw}": length must be 1..253`);
  const labels = name.split('.');
  if (labels.length < 2) throw new Error(`invalid host name "${raw}": needs at least two labels`);
  labels.forEach((label, i) => {
    if (i === 0 && label === '*') return;
    if (!LABEL.test(label)) throw new Error(`invalid host name "${raw}": bad label "${label}"`);
  });
  return name;
}

/** Normalised, de-duplicated names, primary (first given) first and the rest sorted. */
export function normaliseNames(raw: readonly string[]): string[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new Error('at least one host name is required');
  const all = raw.map(normaliseHostname);
  const primary = all[0] as string;
  const rest = [...new Set(all.slice(1))].filter((n) => n !== primary).sort();
  return [primary, ...rest];
}

/** Whether certificate name `pattern` (possibly `*.x.y`) matches host `name` (both normalised). */
export function nameMatches(pattern: string, name: string): boolean {
  if (pattern === name) return true;
  if (!pattern.startsWith('*.')) return false;
  const dot = name.indexOf('.');
  return dot > 0 && name.slice(dot + 1) === pattern.slice(2);
}

/** Whether a certificate for `covered` names serves every one of `wanted`. */
export function covers(covered: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((w) => covered.some((c) => nameMatches(c, w)));
}
