// Small statistics shared by the benchmarks (the leading underscore keeps bench/run.ts from listing it as one).

/** The middle value; for an even count, the mean of the two middle values. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** One decimal, as the benchmarks report figures. */
export function round(n: number): number {
  return Math.round(n * 10) / 10;
}
