// hearth-health's logic: is the agent answering GET /v1/health? Used to gate boot-complete.target, so a slot whose
// agent never comes up is not blessed and the boot loader falls back to the other slot.
import { request } from 'node:http';
import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

// Only the part of the agent's config the health check needs; the agent validates the whole file itself.
export const AgentApiConfig = Type.Object({
  api: Type.Object({
    socketPath: Type.String({ minLength: 1 }),
    tcp: Type.Optional(Type.Object({ host: Type.String(), port: Type.Integer({ minimum: 1, maximum: 65535 }) })),
  }),
});
export type AgentApiConfig = Static<typeof AgentApiConfig>;

export async function readAgentApiConfig(path: string): Promise<AgentApiConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`agent config ${path}: ${(err as Error).message}`);
  }
  if (!Value.Check(AgentApiConfig, raw)) {
    const first = [...Value.Errors(AgentApiConfig, raw)][0];
    throw new Error(`agent config ${path}: ${first ? `${first.path || '/'} ${first.message}` : 'invalid'}`);
  }
  return raw;
}

export interface ProbeResult { ok: boolean; detail: string }

/** One GET /v1/health over the agent's unix socket. Never throws: failures are results. */
export function probeHealth(socketPath: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/v1/health', method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { if (body.length < 4096) body += c; });
      res.on('end', () => {
        const ok = res.statusCode === 200;
        resolve({ ok, detail: `HTTP ${res.statusCode ?? '?'} ${body.trim().slice(0, 200)}` });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ ok: false, detail: err.message }));
    req.end();
  });
}

export interface WaitOptions {
  probe: () => Promise<ProbeResult>;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  deadlineMs: number;
  intervalMs: number;
  /** Healthy only after probes succeeded without a gap for this long: a crash-looping agent answers briefly. */
  settleMs?: number;
}

/** Probe until healthy (continuously for settleMs) or the deadline passes; the last failure says why. */
export async function waitHealthy(o: WaitOptions): Promise<ProbeResult & { attempts: number }> {
  const end = o.now() + o.deadlineMs;
  const settle = o.settleMs ?? 0;
  let attempts = 0;
  let okSince: number | null = null;
  let lastFailure: ProbeResult | null = null;
  for (;;) {
    attempts++;
    const r = await o.probe();
    if (r.ok) {
      okSince ??= o.now();
      if (o.now() - okSince >= settle) return { ...r, attempts };
    } else {
      okSince = null;
      lastFailure = r;
    }
    if (o.now() + o.intervalMs > end) {
      const why = r.ok && lastFailure ? { ok: false, detail: `not stable for ${settle} ms; last failure: ${lastFailure.detail}` } : r;
      return { ...why, ok: false, attempts };
    }
    await o.sleep(o.intervalMs);
  }
}
