// Health checks: compose syntax → HealthCheckSpec with compose's defaults filled in and durations in ms.
// `disable: true` or `test: [NONE]` mean "no health check"; a check without `test` (inherit the image's) is refused
// because the agent runs the probes itself and must know what to run.
import type { IssueList, Path } from './issues.js';
import type { RawHealthcheck } from './schema.js';
import type { HealthCheckSpec } from './types.js';
import { parseDuration } from './units.js';

export const HEALTHCHECK_DEFAULTS = { intervalMs: 30_000, timeoutMs: 30_000, retries: 3, startPeriodMs: 0, startIntervalMs: 5_000 } as const;

function normaliseTest(test: string | string[], path: Path, issues: IssueList): string[] | null | undefined {
  if (typeof test === 'string') {
    if (test.trim() === '') issues.add(path, 'must not be empty');
    return test.trim() === '' ? undefined : ['CMD-SHELL', test];
  }
  const [kind, ...args] = test;
  if (kind === 'NONE' && args.length === 0) return null;
  if (kind === 'CMD' && args.length > 0) return test;
  if (kind === 'CMD-SHELL' && args.length === 1) return test;
  issues.add(path, kind === 'CMD-SHELL' ? 'CMD-SHELL takes exactly one shell command string'
    : kind === 'CMD' ? 'CMD needs the program to run'
    : kind === 'NONE' ? 'NONE takes no arguments'
    : 'must be a string, or a list starting with CMD, CMD-SHELL or NONE');
  return undefined;
}

function duration(text: string | undefined, fallback: number, minimum: number, path: Path, issues: IssueList): number {
  if (text === undefined) return fallback;
  const parsed = parseDuration(text);
  if (!parsed.ok) issues.add(path, parsed.reason);
  else if (parsed.value < minimum) issues.add(path, minimum === 0 ? 'must not be negative' : `must be at least ${minimum}ms`);
  else return parsed.value;
  return fallback;
}

/** Returns the spec, or undefined for "no health check" (also after reporting an issue). */
export function normaliseHealthcheck(raw: Partial<RawHealthcheck>, path: Path, issues: IssueList): HealthCheckSpec | undefined {
  if (raw.disable === true) return undefined;
  const defaults = HEALTHCHECK_DEFAULTS;
  const spec = {
    intervalMs: duration(raw.interval, defaults.intervalMs, 1, [...path, 'interval'], issues),
    timeoutMs: duration(raw.timeout, defaults.timeoutMs, 1, [...path, 'timeout'], issues),
    startPeriodMs: duration(raw.start_period, defaults.startPeriodMs, 0, [...path, 'start_period'], issues),
    startIntervalMs: duration(raw.start_interval, defaults.startIntervalMs, 1, [...path, 'start_interval'], issues),
    retries: raw.retries ?? defaults.retries,
  };
  if (spec.retries < 1) issues.add([...path, 'retries'], 'must be at least 1');
  if (raw.test === undefined) {
    if (!issues.hasIssueAt([...path, 'test'])) issues.add([...path, 'test'], 'is required: the agent runs health checks itself and does not use the image\'s HEALTHCHECK');
    return undefined;
  }
  const test = normaliseTest(raw.test, [...path, 'test'], issues);
  return test ? { test, ...spec } : undefined;
}
