// Pure: what the owner sees about an app, derived from its record, its containers and the last plan.
import type { AppRecord } from '../state/app-records.js';
import type { ObservedContainer, Wait } from '../planner/types.js';
import { hostFor } from '../ingress/route-table.js';

export type AppPhase = 'installing' | 'starting' | 'running' | 'updating' | 'rolling-back' | 'stopped' | 'crash-looping' | 'unhealthy' | 'failing';

export interface ServiceStatus {
  name: string;
  state: string;
  health: string;
  detail?: string;
  version?: string;
  restarts: number;
}

export interface AppStatus {
  id: string;
  name: string;
  version: string;
  icon?: string;
  description?: string;
  desired: 'running' | 'stopped';
  phase: AppPhase;
  urls: string[];
  services: ServiceStatus[];
  waiting: string[];
  error?: string;
  update?: { from: string; to: string; startedAt: number };
  lastFailure?: { version: string; reason: string; at: number };
}

export interface StatusInputs {
  record: AppRecord;
  containers: ObservedContainer[];
  waits: Wait[];
  restarts: (service: string) => number;
  crashLooping: (service: string) => boolean;
  /** Why the service was last restarted (e.g. `exit 3`), while its restarts are still counted. */
  restartReason: (service: string) => string | undefined;
  failure?: { message: string };
  deviceDomain: string;
  scheme: 'http' | 'https';
}

export function appStatus(id: string, i: StatusInputs): AppStatus {
  const m = i.record.manifest;
  const services: ServiceStatus[] = Object.keys(m.services)
    .sort()
    .map((name) => {
      const mine = i.containers.filter((c) => c.service === name);
      const c = mine.find((x) => x.version === m.version) ?? mine[0];
      return { name, state: c?.state ?? 'absent', health: c?.health ?? 'none', detail: c?.healthDetail, version: c?.version, restarts: i.restarts(name) };
    });
  const waiting = [...crashLines(i, services), ...i.waits.map((w) => (w.service ? `${w.service}: ${w.reason}` : w.reason))];
  return {
    id,
    name: m.name,
    version: m.version,
    icon: m.icon,
    description: m.description,
    desired: i.record.desired,
    phase: phaseOf(i, services),
    urls: m.routes.map((r) => `${i.scheme}://${hostFor(r.subdomain, id, i.deviceDomain)}/`),
    services,
    waiting,
    error: i.failure?.message,
    update: i.record.update ? { from: i.record.update.from, to: i.record.update.to, startedAt: i.record.update.startedAt } : undefined,
    lastFailure: i.record.lastFailure,
  };
}

/**
 * A crash-looping service is up for a moment between crashes, when the plan only says it waits for its
 * health check: say why it keeps being restarted, whatever the moment.
 */
function crashLines(i: StatusInputs, services: ServiceStatus[]): string[] {
  return services
    .filter((s) => i.crashLooping(s.name))
    .map((s) => {
      const why = i.restartReason(s.name);
      return `${s.name}: crash-looping, restarted ${s.restarts} times${why ? `, the last after ${why}` : ''}`;
    });
}

function phaseOf(i: StatusInputs, services: ServiceStatus[]): AppPhase {
  if (i.record.update?.rollingBack) return 'rolling-back';
  if (i.record.desired === 'stopped') return 'stopped';
  if (Object.keys(i.record.manifest.services).some((s) => i.crashLooping(s))) return 'crash-looping';
  if (i.failure) return 'failing';
  if (i.record.update) return 'updating';
  if (services.some((s) => s.health === 'unhealthy')) return 'unhealthy';
  if (i.waits.length > 0 || services.some((s) => s.state === 'absent')) return 'installing';
  // Up but not yet past its health check: not routed yet, so not "running" to the owner.
  if (services.some((s) => s.health === 'starting')) return 'starting';
  return 'running';
}
