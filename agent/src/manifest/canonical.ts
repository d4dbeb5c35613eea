// Stable JSON for hashing: the reconciler hashes a service's model to decide whether its container must be recreated,
// so two models with the same meaning must serialise to the same bytes whatever order their keys were built in.

function canonicalise(value: unknown, where: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    // JSON.stringify would silently turn these into null, which would make different models hash the same.
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number at ${where}`);
    return value;
  }
  if (Array.isArray(value)) {
    // Holes and undefined in arrays would become null; the model never has them, so refuse rather than guess.
    return value.map((item: unknown, i) => {
      if (item === undefined) throw new TypeError(`canonicalJson: undefined array element at ${where}[${i}]`);
      return canonicalise(item, `${where}[${i}]`);
    });
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(`canonicalJson: only plain objects are supported, got ${value.constructor?.name ?? 'object'} at ${where}`);
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      // Optional fields left undefined mean "absent", exactly like JSON.stringify.
      if (item !== undefined) out[key] = canonicalise(item, `${where}.${key}`);
    }
    return out;
  }
  throw new TypeError(`canonicalJson: cannot serialise a ${typeof value} at ${where}`);
}

/** JSON with object keys sorted at every level, array order kept, undefined properties dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalise(value, '$'));
}
