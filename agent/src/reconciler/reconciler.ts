// The loop: observe → plan → route → execute, again and again. Woken by engine events, health changes and API
// calls, and by a timer as a safety net. Each app's steps run in order under the app's lock; apps run side by side.
import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';
import type { AgentEvents } from '../events.js';
import { StepError } from '../executor/step-error.js';
import type { Executor } from '../executor/executor.js';
import { computeRoutes } from '../ingress/route-table.js';
import type { Ingress } from '../ingress/proxy.js';
import type { RestartTracker } from '../lifecycle/backoff.js';
import type { AppLocks } from '../lifecycle/locks.js';
import { plan } from '../planner/plan.js';
import type { CurrentState, Plan, Step } from '../planner/types.js';
import type { AppRecordStore } from '../state/app-records.js';
import type { AppPaths } from '../volumes/paths.js';
import type { Observer } from './observe.js';
import type { AppNetwork } from '../firewall/isolation.js';

export interface ReconcilerDeps {
  engine: Engine;
  store: AppRecordStore;
  observer: Observer;
  executor: Executor;
  ingress: Ingress;
  restarts: RestartTracker;
  locks: AppLocks;
  paths: AppPaths;
  events: AgentEvents;
  logger: Logger;
  now: () => number;
  deviceDomain: string;
  stoppedByAgent: Set<string>;
  intervalMs: number;
  maxUpdateFailures: number;
  /** Keeps apps' networks apart (agent/src/firewall); absent in tests that do not exercise it. */
  isolation?: { sync(networks: Record<string, AppNetwork>): Promise<void> };
}

export interface PassResult {
  plan: Plan;
  current: CurrentState;
  durationMs: number;
}

interface AppFailure {
  count: number;
  message: string;
  at: number;
}

export class Reconciler {
  private readonly failures = new Map<string, AppFailure>();
  private running: Promise<PassResult> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;
  private stopped = true;
  private last: PassResult | undefined;

  constructor(private readonly d: ReconcilerDeps) {}

  start(): void {
    this.stopped = false;
    this.unwatch = this.d.engine.watchEvents(
      () => this.trigger(),
      (err) => this.d.logger.warn({ err: err.message }, 'engine event stream lost; relying on the periodic pass'),
    );
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.unwatch?.();
  }

  /** Asks for a pass soon; passes never overlap, a request during one runs another right after. */
  trigger(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  lastPass(): PassResult | undefined {
    return this.last;
  }

  failureOf(app: string): AppFailure | undefined {
    return this.failures.get(app);
  }

  /**
   * Runs a pass that starts after this call, so it sees what the caller just changed: a pass in flight may have
   * read the target before (a status built from it mixed a stale plan with the new record), so it is waited out.
   */
  async pass(): Promise<PassResult> {
    const inFlight = this.running;
    if (inFlight) await inFlight.catch(() => undefined);
    return this.running ?? this.startPass();
  }

  /** The loop's pass: joins one in flight and asks for another right after it. */
  private passOrJoin(): Promise<PassResult> {
    if (!this.running) return this.startPass();
    this.again = true;
    return this.running;
  }

  private startPass(): Promise<PassResult> {
    this.running = this.runPass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.loop(), delayMs);
  }

  private async loop(): Promise<void> {
    try {
      const r = await this.passOrJoin();
      const busy = r.plan.steps.length > 0 || r.plan.waits.length > 0;
      if (this.again || r.plan.steps.length > 0) {
        this.again = false;
        if (!this.stopped) this.schedule(0);
        return;
      }
      // While something is converging (health checks pending), look again soon; otherwise rest.
      if (!this.stopped) this.schedule(busy ? 250 : this.d.intervalMs);
    } catch (err) {
      this.d.logger.error({ err: (err as Error).message }, 'reconcile pass failed');
      if (!this.stopped) this.schedule(Math.min(this.d.intervalMs, 2_000));
    }
  }

  private async runPass(): Promise<PassResult> {
    const started = performance.now();
    const target = this.d.store.snapshot();
    const current = await this.d.observer.observe(target);
    const now = this.d.now();
    const p = plan(
      target,
      current,
      {
        now,
        backoffUntil: this.d.restarts.backoffUntil(now),
        failures: Object.fromEntries([...this.failures].map(([app, f]) => [app, { count: f.count, message: f.message }])),
        stoppedByAgent: this.d.stoppedByAgent,
        maxUpdateFailures: this.d.maxUpdateFailures,
      },
      this.d.paths,
    );
    // Route first: a container about to be drained and removed is already out of the table.
    this.d.ingress.setRoutes(computeRoutes(target, current.containers, this.d.deviceDomain, this.d.paths));
    this.d.ingress.setAppSources(new Set(current.containers.flatMap((c) => (c.ip ? [c.ip] : []))));
    await this.d.isolation?.sync(
      Object.fromEntries(Object.entries(current.networkSubnets ?? {}).map(([app, subnets]) => [app, { subnets, lan: target.apps[app]?.manifest.permissions.lan ?? false }])),
    );

    const result: PassResult = { plan: p, current, durationMs: performance.now() - started };
    this.last = result; // status readers (and convergence waiters) see this pass's view from here on

    const byApp = new Map<string, Step[]>();
    for (const s of p.steps) byApp.set(s.app, [...(byApp.get(s.app) ?? []), s]);
    for (const app of Object.keys(target.apps)) if (!byApp.has(app) && !p.waits.some((w) => w.app === app)) this.converged(app, target.apps[app]?.manifest.version ?? '');
    await Promise.all([...byApp].map(([app, steps]) => this.runAppSteps(app, steps, now)));
    return result;
  }

  private converged(app: string, version: string): void {
    if (this.failures.delete(app)) this.d.logger.info({ app }, 'app converged after earlier failures');
    this.d.events.emit({ type: 'converged', app, version, at: this.d.now() });
  }

  private async runAppSteps(app: string, steps: Step[], now: number): Promise<void> {
    const f = this.failures.get(app);
    if (f && now - f.at < Math.min(1_000 * 2 ** (f.count - 1), 60_000) && !steps.some((s) => s.kind === 'rollback')) return;
    const lock = this.d.locks.tryAcquire(app, 'reconcile', 5 * 60_000);
    if (!lock) return; // an API operation holds it; the next pass picks the app up
    try {
      for (const step of steps) {
        this.d.events.emit({ type: 'step', app, step: step.kind, phase: 'start', at: this.d.now() });
        try {
          await this.d.executor.run(step);
          this.d.events.emit({ type: 'step', app, step: step.kind, phase: 'done', at: this.d.now() });
          if (step.kind === 'rollback') {
            this.failures.delete(app);
            this.d.events.emit({ type: 'rolled-back', app, version: this.d.store.get(app)?.manifest.version ?? '', reason: step.reason, at: this.d.now() });
          }
        } catch (err) {
          const message = (err as Error).message;
          const prev = this.failures.get(app);
          const count = err instanceof StepError && err.abortUpdate ? this.d.maxUpdateFailures : (prev?.count ?? 0) + 1;
          this.failures.set(app, { count, message, at: this.d.now() });
          if (step.kind === 'createContainer' && /no such image|image not known/i.test(message)) this.d.observer.forgetImage(step.body.Image);
          this.d.logger.warn({ app, step: step.kind, err: message }, 'step failed');
          this.d.events.emit({ type: 'step', app, step: step.kind, phase: 'failed', message, at: this.d.now() });
          return; // later steps of this app depended on this one; re-plan next pass
        }
      }
    } finally {
      lock.release();
    }
  }
}
