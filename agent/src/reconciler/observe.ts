// Gathers the current state the planner needs: containers (with health from the monitor), networks and the
// presence of the images the target names. Also derives what the health monitor should probe.
import type { Engine, EngineContainer } from '../engine/engine.js';
import { LABEL, networkName } from '../engine/labels.js';
import { serviceContainer } from '../engine/container-spec.js';
import type { HealthMonitor, ProbeTarget } from '../health/monitor.js';
import type { AppManifest } from '../manifest/types.js';
import type { CurrentState, ObservedContainer, TargetState } from '../planner/types.js';
import type { AppPaths } from '../volumes/paths.js';

export class Observer {
  /** Images seen present once stay known: images are never removed behind the agent's back in normal use. */
  private readonly knownImages = new Set<string>();

  constructor(
    private readonly engine: Engine,
    private readonly health: HealthMonitor,
    private readonly paths: AppPaths,
  ) {}

  async observe(target: TargetState): Promise<CurrentState> {
    const [raw, nets] = await Promise.all([this.engine.listContainers(), this.engine.listNetworks()]);
    this.health.sync(probeTargets(raw, target, this.paths));
    const containers = raw.map((c) => this.toObserved(c)).filter((c): c is ObservedContainer => !!c);
    const networks = nets.map((n) => n.labels[LABEL.app]).filter((a): a is string => !!a);
    const networkSubnets: Record<string, string[]> = {};
    for (const n of nets) {
      const app = n.labels[LABEL.app];
      if (app) networkSubnets[app] = [...(networkSubnets[app] ?? []), ...n.subnets];
    }
    const images = await this.presentImages(target);
    return { containers, networks, images, networkSubnets };
  }

  forgetImage(ref: string): void {
    this.knownImages.delete(ref);
  }

  private toObserved(c: EngineContainer): ObservedContainer | undefined {
    const app = c.labels[LABEL.app];
    const service = c.labels[LABEL.service];
    if (!app || !service) return undefined;
    const h = this.health.status(c.id);
    return {
      id: c.id,
      name: c.name,
      app,
      service,
      hash: c.labels[LABEL.hash] ?? '',
      version: c.labels[LABEL.version] ?? '',
      state: c.state,
      exitCode: c.exitCode,
      finishedAt: c.finishedAt,
      ip: c.ips[networkName(app)],
      health: c.state === 'running' ? h.status : 'none',
      healthDetail: h.detail,
    };
  }

  private async presentImages(target: TargetState): Promise<string[]> {
    const wanted = new Set<string>();
    for (const r of Object.values(target.apps)) for (const s of Object.values(r.manifest.services)) wanted.add(s.image);
    await Promise.all(
      [...wanted].filter((ref) => !this.knownImages.has(ref)).map(async (ref) => {
        if (await this.engine.hasImage(ref)) this.knownImages.add(ref);
      }),
    );
    return [...wanted].filter((ref) => this.knownImages.has(ref));
  }
}

/** What to probe for each running container: its service's health check (current or previous version). */
export function probeTargets(containers: EngineContainer[], target: TargetState, paths: AppPaths): ProbeTarget[] {
  const byHash = new Map<string, { manifest: AppManifest; service: string }>();
  for (const r of Object.values(target.apps)) {
    for (const m of [r.manifest, r.previous]) {
      if (!m) continue;
      for (const svc of Object.keys(m.services)) byHash.set(serviceContainer(m, svc, paths).hash, { manifest: m, service: svc });
    }
  }
  const out: ProbeTarget[] = [];
  for (const c of containers) {
    if (c.state !== 'running') continue;
    const known = byHash.get(c.labels[LABEL.hash] ?? '');
    if (!known) {
      out.push({ id: c.id });
      continue;
    }
    const spec = known.manifest.services[known.service];
    const route = known.manifest.routes.find((r) => r.service === known.service);
    const ip = c.ips[networkName(known.manifest.id)];
    out.push({
      id: c.id,
      healthcheck: spec?.healthcheck,
      tcp: !spec?.healthcheck && route && ip ? { ip, port: route.port } : undefined,
    });
  }
  return out;
}
