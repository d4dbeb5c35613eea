// Inputs for planner, route-table and status tests: records, contexts and observed containers whose hashes are
// computed by the real serviceContainer(), so "the container of this manifest" means what it means in the agent.
import { serviceContainer } from '../../src/engine/container-spec.js';
import type { AppManifest } from '../../src/manifest/types.js';
import { plan } from '../../src/planner/plan.js';
import type { CurrentState, ObservedContainer, Plan, PlanContext, Step, TargetState } from '../../src/planner/types.js';
import type { AppRecord } from '../../src/state/app-records.js';
import { AppPaths } from '../../src/volumes/paths.js';

export const DATA_DIR = '/data/hearth';
export const paths = new AppPaths(DATA_DIR);
export const NOW = 1_700_000_000_000;

export function record(manifest: AppManifest, over: Partial<AppRecord> = {}): AppRecord {
  return { manifest, desired: 'running', installedAt: NOW - 60_000, ...over };
}

export function targetOf(...records: AppRecord[]): TargetState {
  return { apps: Object.fromEntries(records.map((r) => [r.manifest.id, r])) };
}

export function ctx(over: Partial<PlanContext> = {}): PlanContext {
  return { now: NOW, backoffUntil: {}, failures: {}, stoppedByAgent: new Set(), maxUpdateFailures: 3, ...over };
}

export function hashOf(manifest: AppManifest, service: string): string {
  return serviceContainer(manifest, service, paths).hash;
}

let ipSeq = 2;

/** The container the agent would have created for `service` of `manifest`: running and healthy unless overridden. */
export function containerOf(manifest: AppManifest, service: string, over: Partial<ObservedContainer> = {}): ObservedContainer {
  const hash = hashOf(manifest, service);
  return {
    id: `${manifest.id}-${service}-${manifest.version}-${hash.slice(0, 8)}`,
    name: `hearth_${manifest.id}_${service}_${hash.slice(0, 12)}`,
    app: manifest.id,
    service,
    hash,
    version: manifest.version,
    state: 'running',
    health: 'healthy',
    ip: `10.89.0.${ipSeq++ % 250}`,
    ...over,
  };
}

/** Every service of `manifest` running and healthy, its network and images present. */
export function converged(manifest: AppManifest): CurrentState {
  return {
    containers: Object.keys(manifest.services).map((s) => containerOf(manifest, s)),
    networks: [manifest.id],
    images: imagesOf(manifest),
  };
}

export function imagesOf(...manifests: AppManifest[]): string[] {
  return [...new Set(manifests.flatMap((m) => Object.values(m.services).map((s) => s.image)))];
}

export function planFor(target: TargetState, current: CurrentState, context: PlanContext = ctx()): Plan {
  return plan(target, current, context, paths);
}

export function kinds(steps: Step[]): string[] {
  return steps.map((s) => s.kind);
}
