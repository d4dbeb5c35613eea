// What the owner can ask of the agent about apps: install (or update), remove, start, stop, logs, status.
// Every change is validated first, persisted atomically, then left to the reconciler to carry out.
import { rm } from 'node:fs/promises';
import type { Engine } from '../engine/engine.js';
import { LABEL } from '../engine/labels.js';
import type { AgentEvent, AgentEvents } from '../events.js';
import type { AppLocks } from '../lifecycle/locks.js';
import type { RestartTracker } from '../lifecycle/backoff.js';
import { canonicalJson } from '../manifest/canonical.js';
import { parseAppFile } from '../manifest/parse.js';
import type { AppManifest, ManifestIssue } from '../manifest/types.js';
import type { Reconciler } from '../reconciler/reconciler.js';
import type { AppRecordStore } from '../state/app-records.js';
import type { AppPaths } from '../volumes/paths.js';
import { appStatus, type AppStatus } from './status.js';

export class ManifestRejected extends Error {
  override readonly name = 'ManifestRejected';
  constructor(readonly issues: ManifestIssue[]) {
    super(`the app file was refused: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

export class AppNotFound extends Error {
  override readonly name = 'AppNotFound';
  constructor(readonly app: string) {
    super(`no app called ${app} is installed`);
  }
}

export type InstallOutcome = 'installed' | 'updated' | 'unchanged';

export interface OperationsDeps {
  store: AppRecordStore;
  engine: Engine;
  reconciler: Reconciler;
  locks: AppLocks;
  restarts: RestartTracker;
  paths: AppPaths;
  events: AgentEvents;
  now: () => number;
  deviceDomain: string;
  scheme: () => 'http' | 'https';
}

export class AppOperations {
  constructor(private readonly d: OperationsDeps) {}

  /** Parses and validates a compose file; nothing on the device changes when it is refused. */
  parse(composeText: string): AppManifest {
    const r = parseAppFile(composeText);
    if (!r.ok) throw new ManifestRejected(r.issues);
    return r.manifest;
  }

  async install(manifest: AppManifest): Promise<InstallOutcome> {
    const lock = await this.d.locks.acquireWait(manifest.id, 'install', 30_000, 60_000);
    try {
      const existing = this.d.store.get(manifest.id);
      if (existing && canonicalJson(existing.manifest) === canonicalJson(manifest)) {
        if (existing.desired === 'stopped') await this.setDesiredLocked(manifest.id, 'running');
        return 'unchanged';
      }
      if (existing?.update) throw new Error(`${manifest.id} is already updating to ${existing.update.to}; wait for it to finish`);
      await this.d.store.update((s) => {
        if (!existing) {
          s.apps[manifest.id] = { manifest, desired: 'running', installedAt: this.d.now() };
          return;
        }
        const r = s.apps[manifest.id]!;
        r.previous = existing.manifest;
        r.manifest = manifest;
        r.desired = 'running';
        r.update = { from: existing.manifest.version, to: manifest.version, startedAt: this.d.now() };
      });
      return existing ? 'updated' : 'installed';
    } finally {
      lock.release();
      this.d.reconciler.trigger();
    }
  }

  async remove(app: string, opts: { keepData: boolean }): Promise<void> {
    const lock = await this.d.locks.acquireWait(app, 'remove', 30_000, 120_000);
    try {
      if (!this.d.store.get(app)) throw new AppNotFound(app);
      await this.d.store.update((s) => {
        delete s.apps[app];
      });
    } finally {
      lock.release();
    }
    // The reconciler removes the containers and network; wait for that before touching the data.
    await this.waitUntil(async () => {
      const left = (await this.d.engine.listContainers()).filter((c) => c.labels[LABEL.app] === app);
      return left.length === 0;
    }, 120_000);
    if (!opts.keepData) await rm(this.d.paths.appDir(app), { recursive: true, force: true });
  }

  /** Persists the wish, then waits (up to `timeoutMs`) until the engine matches it, so the caller sees the result. */
  async setDesired(app: string, desired: 'running' | 'stopped', timeoutMs = 60_000): Promise<void> {
    const lock = await this.d.locks.acquireWait(app, desired === 'running' ? 'start' : 'stop', 30_000, 60_000);
    try {
      await this.setDesiredLocked(app, desired);
    } finally {
      lock.release();
    }
    await this.waitUntil(async () => {
      await this.d.reconciler.pass();
      const mine = (await this.d.engine.listContainers()).filter((c) => c.labels[LABEL.app] === app);
      if (desired === 'stopped') return mine.every((c) => c.state !== 'running');
      return this.status(app).phase !== 'installing';
    }, timeoutMs);
  }

  async logs(app: string, opts: { service?: string; tail: number }): Promise<Array<{ service: string; text: string }>> {
    const record = this.d.store.get(app);
    if (!record) throw new AppNotFound(app);
    const containers = (await this.d.engine.listContainers()).filter(
      (c) => c.labels[LABEL.app] === app && (!opts.service || c.labels[LABEL.service] === opts.service),
    );
    return Promise.all(containers.map(async (c) => ({ service: c.labels[LABEL.service] ?? '?', text: await this.d.engine.logs(c.id, { tail: opts.tail }) })));
  }

  list(): AppStatus[] {
    return this.d.store.ids().map((id) => this.status(id));
  }

  status(app: string): AppStatus {
    const record = this.d.store.get(app);
    if (!record) throw new AppNotFound(app);
    const last = this.d.reconciler.lastPass();
    const now = this.d.now();
    return appStatus(app, {
      record,
      containers: last?.current.containers.filter((c) => c.app === app) ?? [],
      waits: last?.plan.waits.filter((w) => w.app === app) ?? [{ app, reason: 'starting up' }],
      restarts: (svc) => this.d.restarts.restarts(`${app}/${svc}`, now),
      crashLooping: (svc) => this.d.restarts.crashLooping(`${app}/${svc}`, now),
      restartReason: (svc) => this.d.restarts.reason(`${app}/${svc}`, now),
      failure: this.d.reconciler.failureOf(app),
      deviceDomain: this.d.deviceDomain,
      scheme: this.d.scheme(),
    });
  }

  /**
   * Resolves when the app runs `version` healthy, rejects when it rolled back or failed. `onEvent` sees the
   * progress events of that app meanwhile.
   */
  async waitForVersion(app: string, version: string, timeoutMs: number, onEvent?: (e: AgentEvent) => void): Promise<AppStatus> {
    return new Promise<AppStatus>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`${app} did not become healthy within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      const unsubscribe = this.d.events.subscribe((e) => {
        if (e.app !== app) return;
        if (e.type !== 'converged') onEvent?.(e);
        if (e.type === 'converged' && e.version === version) finish();
        if (e.type === 'rolled-back') finish(new Error(`update of ${app} failed and was rolled back to ${e.version}: ${e.reason}`));
      });
      const finish = (err?: Error) => {
        clearTimeout(timer);
        unsubscribe();
        if (err) reject(err);
        else resolve(this.status(app));
      };
      this.d.reconciler.trigger();
    });
  }

  private async setDesiredLocked(app: string, desired: 'running' | 'stopped'): Promise<void> {
    if (!this.d.store.get(app)) throw new AppNotFound(app);
    await this.d.store.update((s) => {
      s.apps[app]!.desired = desired;
    });
  }

  private async waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = this.d.now() + timeoutMs;
    while (!(await check())) {
      if (this.d.now() > deadline) throw new Error('timed out waiting for the engine to carry out the change');
      this.d.reconciler.trigger();
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
