// Compose's duration and byte-size syntaxes, parsed to whole milliseconds and bytes. Pure functions returning either
// a value or the reason the text is not valid, so callers can attach the reason to the field's path.

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const DURATION_UNITS_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go/compose durations: `1m30s`, `250ms`, `1.5s`, `2h`. A bare number has no unit and is refused as ambiguous. */
export function parseDuration(text: string): Parsed<number> {
  const trimmed = text.trim();
  const part = /(\d+(?:\.\d+)?|\.\d+)(ns|us|\u00b5s|ms|s|m|h)/y;
  if (trimmed === '') return { ok: false, reason: 'is empty; expected a duration like 10s, 1m30s or 250ms' };
  let total = 0;
  let index = 0;
  while (index < trimmed.length) {
    part.lastIndex = index;
    const match = part.exec(trimmed);
    if (!match) return { ok: false, reason: `"${text}" is not a duration; expected e.g. 10s, 1m30s or 250ms (units ns, us, ms, s, m, h)` };
    total += Number(match[1]) * (DURATION_UNITS_MS[match[2] as string] as number);
    index = part.lastIndex;
  }
  // Rounding to ms keeps the model integral; anything finer than a millisecond is meaningless for health probes.
  const ms = Math.round(total * 1000) / 1000;
  if (!Number.isInteger(ms)) return { ok: false, reason: `"${text}" is not a whole number of milliseconds` };
  return { ok: true, value: ms };
}

const SIZE_MULTIPLIERS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Compose byte sizes (binary multiples, like docker's RAMInBytes): `256m`, `1g`, `512k`, `1.5GiB`, plain bytes. */
export function parseSize(input: string | number): Parsed<number> {
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0) return { ok: false, reason: `${input} is not a whole number of bytes` };
    return { ok: true, value: input };
  }
  const match = /^(\d+(?:\.\d+)?) ?([kKmMgGtT]?)(?:[iI]?[bB])?$/.exec(input.trim());
  if (!match) return { ok: false, reason: `"${input}" is not a size; expected e.g. 256m, 1g, 512k or a number of bytes` };
  const bytes = Math.floor(Number(match[1]) * (SIZE_MULTIPLIERS[(match[2] as string).toLowerCase()] as number));
  if (!Number.isSafeInteger(bytes)) return { ok: false, reason: `"${input}" is too large` };
  return { ok: true, value: bytes };
}
