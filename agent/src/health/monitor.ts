// Runs every container's health check from the agent (podman schedules none without systemd) and keeps the
// result in memory. The reconciler reads it each pass and is woken on every status change.
import { Socket } from 'node:net';
import type { Engine } from '../engine/engine.js';
import type { HealthCheckSpec } from '../manifest/types.js';
import type { HealthStatus } from '../planner/types.js';
import { afterProbe, initialHealth, type HealthTrack } from './health-state.js';

/** What to probe for one running container. */
export interface ProbeTarget {
  id: string;
  healthcheck?: HealthCheckSpec;
  /** Used when there is no health check: the service is healthy once one of these accepts a TCP connection. */
  tcp?: { ip: string; port: number };
}

// Without a declared check: probe the routed port quickly, and give up (unhealthy) after about 30 s.
const TCP_RULES = { intervalMs: 1_000, startIntervalMs: 100, timeoutMs: 1_000, retries: 3, startPeriodMs: 30_000 };
const FIRST_PROBE_MS = 50;

interface Watched {
  target: ProbeTarget;
  track: HealthTrack;
  timer?: NodeJS.Timeout;
  probing: boolean;
}

export class HealthMonitor {
  private readonly watched = new Map<string, Watched>();

  constructor(
    private readonly engine: Engine,
    private readonly now: () => number,
    private readonly onChange: (id: string, status: HealthStatus) => void,
  ) {}

  /** Starts watching new running containers, stops watching ones that are gone or stopped. */
  sync(running: ProbeTarget[]): void {
    const keep = new Set(running.map((r) => r.id));
    for (const [id, w] of this.watched) {
      if (!keep.has(id)) {
        clearTimeout(w.timer);
        this.watched.delete(id);
      }
    }
    for (const target of running) {
      const w = this.watched.get(target.id);
      if (w) {
        w.target = target; // an address can appear after the first pass
        continue;
      }
      const fresh: Watched = { target, track: initialHealth(this.now()), probing: false };
      this.watched.set(target.id, fresh);
      this.schedule(fresh, FIRST_PROBE_MS);
    }
  }

  status(id: string): { status: HealthStatus; detail?: string } {
    const w = this.watched.get(id);
    if (!w) return { status: 'none' };
    return { status: w.track.status, detail: w.track.lastDetail };
  }

  /** Forget a container's history, e.g. after the agent restarted it: it starts over as `starting`. */
  reset(id: string): void {
    const w = this.watched.get(id);
    if (!w) return;
    clearTimeout(w.timer);
    this.watched.delete(id);
  }

  stop(): void {
    for (const w of this.watched.values()) clearTimeout(w.timer);
    this.watched.clear();
  }

  private schedule(w: Watched, delayMs: number): void {
    clearTimeout(w.timer);
    w.timer = setTimeout(() => void this.probe(w), delayMs);
    w.timer.unref();
  }

  private async probe(w: Watched): Promise<void> {
    if (this.watched.get(w.target.id) !== w || w.probing) return;
    w.probing = true;
    const rules = w.target.healthcheck ?? TCP_RULES;
    let ok: boolean;
    let detail: string | undefined;
    try {
      ({ ok, detail } = await this.runProbe(w.target, rules.timeoutMs));
    } catch (err) {
      ok = false;
      detail = (err as Error).message;
    } finally {
      w.probing = false;
    }
    if (this.watched.get(w.target.id) !== w) return; // stopped watching meanwhile
    const before = w.track.status;
    w.track = afterProbe(w.track, ok, detail, this.now(), rules);
    if (w.track.status !== before) this.onChange(w.target.id, w.track.status);
    const starting = w.track.status === 'starting';
    this.schedule(w, starting ? rules.startIntervalMs : rules.intervalMs);
  }

  private async runProbe(t: ProbeTarget, timeoutMs: number): Promise<{ ok: boolean; detail?: string }> {
    if (t.healthcheck) {
      const [kind, ...rest] = t.healthcheck.test;
      const cmd = kind === 'CMD-SHELL' ? ['/bin/sh', '-c', rest.join(' ')] : rest;
      const r = await this.engine.exec(t.id, cmd, timeoutMs);
      return r.exitCode === 0 ? { ok: true } : { ok: false, detail: `exit ${r.exitCode}: ${r.output.trim().slice(0, 200)}` };
    }
    if (!t.tcp) return { ok: true }; // nothing to check beyond "running"
    return tcpProbe(t.tcp.ip, t.tcp.port, timeoutMs);
  }
}

function tcpProbe(ip: string, port: number, timeoutMs: number): Promise<{ ok: boolean; detail?: string }> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean, detail?: string) => {
      s.destroy();
      resolve({ ok, detail });
    };
    s.setTimeout(timeoutMs, () => done(false, `no answer on port ${port} within ${timeoutMs} ms`));
    s.once('error', (err) => done(false, `port ${port}: ${err.message}`));
    s.connect(port, ip, () => done(true));
  });
}
