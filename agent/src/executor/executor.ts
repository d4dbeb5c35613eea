// Carries out the planner's steps against the engine, the store and the ingress. One handler per step kind,
// typed so that a step kind without a handler is a compile error.
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Engine, PullProgress } from '../engine/engine.js';
import { networkName, LABEL } from '../engine/labels.js';
import { serviceContainer } from '../engine/container-spec.js';
import type { HealthMonitor } from '../health/monitor.js';
import type { Ingress } from '../ingress/proxy.js';
import type { RestartTracker } from '../lifecycle/backoff.js';
import type { Step, StepKind } from '../planner/types.js';
import type { AppRecordStore } from '../state/app-records.js';
import type { AppPaths } from '../volumes/paths.js';
import type { Snapshots } from '../volumes/snapshots.js';
import { StepError } from './step-error.js';

export interface ExecutorDeps {
  engine: Engine;
  store: AppRecordStore;
  paths: AppPaths;
  ingress: Ingress;
  health: HealthMonitor;
  restarts: RestartTracker;
  snapshots: Snapshots;
  logger: Logger;
  now: () => number;
  /** Containers stopped on purpose; shared with the reconciler's plan context. */
  stoppedByAgent: Set<string>;
  /** Free space to keep on the data partition beyond what an update needs. */
  diskReserveBytes: number;
  stopTimeoutSeconds: number;
  drainTimeoutMs: number;
  onPullProgress?: (app: string, image: string, p: PullProgress) => void;
}

type Handlers = { [K in StepKind]: (step: Extract<Step, { kind: K }>) => Promise<void> };

export class Executor {
  private readonly handlers: Handlers;

  constructor(private readonly d: ExecutorDeps) {
    this.handlers = {
      createNetwork: (s) => d.engine.createNetwork(networkName(s.app), { [LABEL.app]: s.app }),
      removeNetwork: (s) => d.engine.removeNetwork(networkName(s.app)),
      fetchImage: (s) => this.fetchImage(s.app, s.image),
      beginUpdate: (s) => this.beginUpdate(s.app, s.from, s.to),
      createContainer: (s) => this.createContainer(s),
      startContainer: async (s) => {
        if (s.restartAfter) d.restarts.record(`${s.app}/${s.service}`, d.now(), s.restartAfter);
        d.stoppedByAgent.delete(s.containerId);
        d.health.reset(s.containerId);
        d.ingress.forget(s.containerId); // a container drained by a stop may serve again once healthy
        await d.engine.startContainer(s.containerId);
      },
      restartContainer: async (s) => {
        d.logger.warn({ app: s.app, service: s.service, reason: s.reason }, 'restarting unhealthy container');
        d.restarts.record(`${s.app}/${s.service}`, d.now(), 'failed health check');
        d.health.reset(s.containerId);
        await d.engine.stopContainer(s.containerId, d.stopTimeoutSeconds);
        await d.engine.startContainer(s.containerId);
      },
      stopContainer: async (s) => {
        d.stoppedByAgent.add(s.containerId);
        await d.ingress.drain(s.containerId, d.drainTimeoutMs);
        await d.engine.stopContainer(s.containerId, d.stopTimeoutSeconds);
        d.health.reset(s.containerId);
      },
      removeContainer: async (s) => {
        if (s.drain) await d.ingress.drain(s.containerId, d.drainTimeoutMs);
        await d.engine.stopContainer(s.containerId, d.stopTimeoutSeconds);
        await d.engine.removeContainer(s.containerId);
        d.ingress.forget(s.containerId);
        d.health.reset(s.containerId);
        d.stoppedByAgent.delete(s.containerId);
      },
      rollback: (s) => this.rollback(s.app, s.reason),
      completeUpdate: (s) => this.completeUpdate(s.app),
    };
  }

  async run(step: Step): Promise<void> {
    const handler = this.handlers[step.kind] as (s: Step) => Promise<void>;
    await handler(step);
  }

  private async fetchImage(app: string, image: string): Promise<void> {
    const free = await this.d.snapshots.freeBytes(app);
    if (free < this.d.diskReserveBytes) {
      throw new StepError(`not enough free disk space to download ${image}: ${mb(free)} free, ${mb(this.d.diskReserveBytes)} must stay free`, true);
    }
    if (/^localhost\//.test(image)) {
      throw new StepError(`image ${image} is not on the device and has no registry to pull from; load it first (hearth load)`, true);
    }
    this.d.logger.info({ app, image }, 'pulling image');
    try {
      await this.d.engine.pullImage(image, (p) => this.d.onPullProgress?.(app, image, p));
    } catch (err) {
      throw new StepError(`could not download ${image}: ${(err as Error).message}`);
    }
  }

  private async beginUpdate(app: string, from: string, to: string): Promise<void> {
    const need = (await this.d.snapshots.dataSize(app)) + this.d.diskReserveBytes;
    const free = await this.d.snapshots.freeBytes(app);
    if (free < need) {
      throw new StepError(`not enough free disk space to update ${app} safely: ${mb(free)} free, ${mb(need)} needed for the data snapshot`, true);
    }
    const snapshot = await this.d.snapshots.take(app, from);
    this.d.logger.info({ app, from, to, snapshot }, 'update started; data snapshot taken');
    await this.d.store.update((s) => {
      const r = s.apps[app];
      if (r?.update) r.update.snapshot = snapshot;
    });
  }

  private async createContainer(s: Extract<Step, { kind: 'createContainer' }>): Promise<void> {
    const record = this.d.store.get(s.app);
    const spec = record?.manifest.services[s.service];
    if (spec) {
      for (const v of spec.volumes) {
        await mkdir(v.kind === 'volume' ? this.d.paths.volume(s.app, v.source) : this.d.paths.bind(s.app, v.source), { recursive: true });
      }
    }
    const id = await this.d.engine.createContainer(s.body);
    await this.d.engine.startContainer(id);
  }

  private async rollback(app: string, reason: string): Promise<void> {
    const record = this.d.store.get(app);
    if (!record?.update || !record.previous) return;
    const previous = record.previous;
    this.d.logger.error({ app, from: record.update.to, to: record.update.from, reason }, 'update failed; rolling back');
    if (!record.update.rollingBack) {
      await this.d.store.update((st) => {
        const r = st.apps[app];
        if (r?.update) r.update.rollingBack = reason;
      });
    }
    // Remove what the failed version started; services whose container is unchanged between versions stay.
    const keep = new Set(Object.keys(previous.services).map((svc) => serviceContainer(previous, svc, this.d.paths).hash));
    for (const c of await this.d.engine.listContainers()) {
      if (c.labels[LABEL.app] !== app || keep.has(c.labels[LABEL.hash] ?? '')) continue;
      await this.d.engine.stopContainer(c.id, this.d.stopTimeoutSeconds);
      await this.d.engine.removeContainer(c.id);
      this.d.ingress.forget(c.id);
      this.d.health.reset(c.id);
    }
    if (record.update.snapshot) await this.d.snapshots.restore(app, record.update.snapshot);
    await this.d.store.update((st) => {
      const r = st.apps[app];
      if (!r) return;
      r.lastFailure = { version: r.update?.to ?? r.manifest.version, reason: r.update?.rollingBack ?? reason, at: this.d.now() };
      r.manifest = previous;
      delete r.previous;
      delete r.update;
    });
    if (record.update.snapshot) await this.d.snapshots.discard(record.update.snapshot);
    for (const svc of Object.keys(record.manifest.services)) this.d.restarts.forget(`${app}/${svc}`);
  }

  private async completeUpdate(app: string): Promise<void> {
    const record = this.d.store.get(app);
    const snapshot = record?.update?.snapshot;
    await this.d.store.update((st) => {
      const r = st.apps[app];
      if (!r) return;
      delete r.update;
      delete r.previous;
      delete r.lastFailure;
    });
    if (snapshot) await this.d.snapshots.discard(snapshot);
    this.d.logger.info({ app, version: record?.manifest.version }, 'update complete');
  }
}

function mb(bytes: number): string {
  return `${Math.round(bytes / 1e6)} MB`;
}
