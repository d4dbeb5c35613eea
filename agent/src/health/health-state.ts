// Docker's health state machine, as a pure transition: `starting` until the first success; failures during the
// start period do not count; `retries` consecutive failures after it make the container `unhealthy`.
import type { HealthStatus } from '../planner/types.js';

export interface HealthTrack {
  status: Exclude<HealthStatus, 'none'>;
  failingStreak: number;
  lastDetail?: string;
  startedAt: number;
}

export interface ProbeRules {
  retries: number;
  startPeriodMs: number;
}

export function initialHealth(startedAt: number): HealthTrack {
  return { status: 'starting', failingStreak: 0, startedAt };
}

export function afterProbe(track: HealthTrack, ok: boolean, detail: string | undefined, now: number, rules: ProbeRules): HealthTrack {
  if (ok) return { ...track, status: 'healthy', failingStreak: 0, lastDetail: undefined };
  const inStartPeriod = track.status === 'starting' && now - track.startedAt < rules.startPeriodMs;
  if (inStartPeriod) return { ...track, lastDetail: detail };
  const failingStreak = track.failingStreak + 1;
  return { ...track, failingStreak, lastDetail: detail, status: failingStreak >= rules.retries ? 'unhealthy' : track.status };
}
