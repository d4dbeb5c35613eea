// The planner: target state + current state → the next steps. Pure and re-run every pass, so a crash at any
// point only means the next pass plans from whatever the engine now reports (balena-supervisor's model).
import type { AppManifest, ServiceSpec } from '../manifest/types.js';
import type { AppRecord } from '../state/app-records.js';
import { serviceContainer } from '../engine/container-spec.js';
import type { AppPaths } from '../volumes/paths.js';
import type { CurrentState, ObservedContainer, Plan, PlanContext, Step, TargetState, Wait } from './types.js';
import { serviceOrder } from './service-order.js';

export function plan(target: TargetState, current: CurrentState, ctx: PlanContext, paths: AppPaths): Plan {
  const steps: Step[] = [];
  const waits: Wait[] = [];
  const byApp = groupBy(current.containers, (c) => c.app);

  for (const [id, record] of Object.entries(target.apps)) {
    const out = planApp(id, record, byApp.get(id) ?? [], current, ctx, paths);
    steps.push(...out.steps);
    waits.push(...out.waits);
  }

  // Whatever the agent manages but the target no longer names goes away (data is handled by the remove call).
  for (const [app, containers] of byApp) {
    if (target.apps[app]) continue;
    for (const c of containers) steps.push({ kind: 'removeContainer', app, service: c.service, containerId: c.id, drain: true });
  }
  for (const app of current.networks) {
    if (!target.apps[app] && !byApp.has(app)) steps.push({ kind: 'removeNetwork', app });
  }
  return { steps, waits };
}

interface AppPlan {
  steps: Step[];
  waits: Wait[];
}

function planApp(id: string, record: AppRecord, containers: ObservedContainer[], current: CurrentState, ctx: PlanContext, paths: AppPaths): AppPlan {
  const steps: Step[] = [];
  const waits: Wait[] = [];
  const manifest = record.manifest;
  const updating = record.update;

  if (updating?.rollingBack) return { steps: [{ kind: 'rollback', app: id, reason: updating.rollingBack }], waits };

  const failure = ctx.failures[id];
  if (updating && failure && failure.count >= ctx.maxUpdateFailures) {
    return { steps: [{ kind: 'rollback', app: id, reason: `update to ${updating.to} failed: ${failure.message}` }], waits };
  }

  if (record.desired === 'stopped') {
    for (const c of containers) if (c.state === 'running') steps.push({ kind: 'stopContainer', app: id, service: c.service, containerId: c.id });
    return { steps, waits };
  }

  if (!current.networks.includes(id)) {
    return { steps: [{ kind: 'createNetwork', app: id }], waits: [{ app: id, reason: 'creating the app network' }] };
  }

  const targets = serviceOrder(manifest).map((service) => ({ service, ...serviceContainer(manifest, service, paths) }));
  const mineOf = (service: string, hash: string) => containers.find((c) => c.service === service && c.hash === hash);

  // Nothing of a new version may start before the update has its snapshot (and passed its disk preflight).
  const missing = targets.filter((t) => !mineOf(t.service, t.hash));
  if (updating && !updating.snapshot && missing.length > 0) {
    return { steps: [{ kind: 'beginUpdate', app: id, from: updating.from, to: updating.to }], waits };
  }

  const fetches = new Set<string>();
  for (const t of missing) {
    if (!current.images.includes(t.body.Image)) fetches.add(t.body.Image);
  }
  if (fetches.size > 0) {
    for (const image of fetches) steps.push({ kind: 'fetchImage', app: id, image });
    return { steps, waits: [{ app: id, reason: `fetching ${[...fetches].join(', ')}` }] };
  }

  const ready = new Set<string>();
  for (const t of targets) {
    const spec = manifest.services[t.service] as ServiceSpec;
    const mine = mineOf(t.service, t.hash);
    const others = containers.filter((c) => c.service === t.service && c.hash !== t.hash);
    if (!mine) {
      const blocked = unmetDependency(spec, manifest, targets, containers);
      if (blocked) waits.push({ app: id, service: t.service, reason: blocked });
      else steps.push({ kind: 'createContainer', app: id, service: t.service, hash: t.hash, body: t.body });
      continue;
    }
    const decision = decideService(id, t.service, spec, mine, record, ctx);
    if (decision.rollback) return { steps: [{ kind: 'rollback', app: id, reason: decision.rollback }], waits };
    steps.push(...decision.steps);
    if (decision.wait) waits.push({ app: id, service: t.service, reason: decision.wait });
    if (decision.ready) {
      ready.add(t.service);
      // Only once the new container is healthy does the old one go (after the ingress has drained it).
      for (const o of others) steps.push({ kind: 'removeContainer', app: id, service: t.service, containerId: o.id, drain: true });
    }
  }

  const allReady = targets.every((t) => ready.has(t.service));
  if (allReady) {
    for (const c of containers) {
      if (!manifest.services[c.service]) steps.push({ kind: 'removeContainer', app: id, service: c.service, containerId: c.id, drain: true });
    }
    if (updating) steps.push({ kind: 'completeUpdate', app: id });
  }
  return { steps, waits };
}

interface ServiceDecision {
  steps: Step[];
  ready: boolean;
  wait?: string;
  rollback?: string;
}

function decideService(app: string, service: string, spec: ServiceSpec, c: ObservedContainer, record: AppRecord, ctx: PlanContext): ServiceDecision {
  const key = `${app}/${service}`;
  const backoff = ctx.backoffUntil[key] ?? 0;
  switch (c.state) {
    case 'created':
      return { steps: [{ kind: 'startContainer', app, service, containerId: c.id }], ready: false, wait: 'starting' };
    case 'running':
      if (c.health === 'healthy') return { steps: [], ready: true };
      if (c.health === 'unhealthy') {
        const why = `${service} failed its health check${c.healthDetail ? `: ${c.healthDetail}` : ''}`;
        if (record.update) return { steps: [], ready: false, rollback: why };
        if (ctx.now < backoff) return { steps: [], ready: false, wait: `unhealthy, backing off (${why})` };
        return { steps: [{ kind: 'restartContainer', app, service, containerId: c.id, reason: why }], ready: false, wait: why };
      }
      return { steps: [], ready: false, wait: 'waiting for the health check' };
    case 'exited':
    case 'dead': {
      if (ctx.stoppedByAgent.has(c.id)) {
        return { steps: [{ kind: 'startContainer', app, service, containerId: c.id }], ready: false, wait: 'starting' };
      }
      const code = c.exitCode ?? -1;
      if (code === 0 && (spec.restart === 'no' || spec.restart === 'on-failure')) return { steps: [], ready: true };
      if (record.update && code !== 0) return { steps: [], ready: false, rollback: `${service} exited with code ${code}` };
      if (spec.restart === 'no') return { steps: [], ready: false, wait: `exited with code ${code} (restart: no)` };
      if (ctx.now < backoff) return { steps: [], ready: false, wait: `crashed (exit ${code}), restarting in ${Math.ceil((backoff - ctx.now) / 1000)} s` };
      return { steps: [{ kind: 'startContainer', app, service, containerId: c.id, restartAfter: `exit ${code}` }], ready: false, wait: `restarting after exit ${code}` };
    }
    default:
      return { steps: [], ready: false, wait: `container is ${c.state}` };
  }
}

function unmetDependency(
  spec: ServiceSpec,
  manifest: AppManifest,
  targets: Array<{ service: string; hash: string }>,
  containers: ObservedContainer[],
): string | undefined {
  for (const [dep, condition] of Object.entries(spec.dependsOn)) {
    const t = targets.find((x) => x.service === dep);
    const c = t && containers.find((x) => x.service === dep && x.hash === t.hash);
    const depSpec = manifest.services[dep];
    if (!c || !depSpec) return `waiting for ${dep} to be created`;
    if (condition === 'service_started' && c.state !== 'running' && c.state !== 'exited') return `waiting for ${dep} to start`;
    if (condition === 'service_healthy' && !(c.state === 'running' && c.health === 'healthy')) return `waiting for ${dep} to be healthy`;
    if (condition === 'service_completed_successfully' && !(c.state === 'exited' && c.exitCode === 0)) return `waiting for ${dep} to complete`;
  }
  return undefined;
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = m.get(k);
    if (list) list.push(it);
    else m.set(k, [it]);
  }
  return m;
}
