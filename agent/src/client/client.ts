// The typed client of the agent's API, shared by the CLI, the tests and (with the fetch transport) the phone app.
import type { AgentEvent } from '../events.js';
import type { AppStatus } from '../apps/status.js';
import type { Transport, TransportResponse } from './transport.js';

export interface HealthReport {
  status: 'ok' | 'degraded';
  version: string;
  uptimeS: number;
  engine: 'up' | 'down';
  deviceDomain: string;
  apps: { total: number; running: number };
  reconcile: { lastPassMs?: number };
}

export type InstallLine = AgentEvent | { type: 'accepted'; outcome: string } | InstallResult;
export type InstallResult =
  | { type: 'result'; ok: true; outcome: 'installed' | 'updated' | 'unchanged'; app: AppStatus }
  | { type: 'result'; ok: false; error: string; message: string; issues?: Array<{ path: string; message: string }> };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: Array<{ path: string; message: string }>,
  ) {
    super(message);
  }
}

export class HearthClient {
  constructor(private readonly transport: Transport) {}

  health(): Promise<HealthReport> {
    return this.json('GET', '/v1/health', undefined, [200, 503]);
  }

  /** Local console only: the pairing link (for the QR code) and the short code. */
  pairing(): Promise<{ url: string; code: string; paired: boolean }> {
    return this.json('GET', '/v1/pairing');
  }

  async listApps(): Promise<AppStatus[]> {
    return (await this.json<{ apps: AppStatus[] }>('GET', '/v1/apps')).apps;
  }

  app(id: string): Promise<AppStatus> {
    return this.json('GET', `/v1/apps/${encodeURIComponent(id)}`);
  }

  /** Installs or updates; without `onEvent` returns once accepted, with it streams progress until healthy or failed. */
  async install(source: { compose: string } | { url: string }, onEvent?: (line: InstallLine) => void, timeoutMs?: number): Promise<InstallResult> {
    if (!onEvent) {
      const r = await this.json<{ outcome: 'installed' | 'updated' | 'unchanged'; app: AppStatus }>('POST', '/v1/apps', source);
      return { type: 'result', ok: true, outcome: r.outcome, app: r.app };
    }
    const q = timeoutMs ? `?wait=true&timeoutMs=${timeoutMs}` : '?wait=true';
    return this.streamInstall(`/v1/apps${q}`, source, onEvent);
  }

  /** POSTs an install and follows its NDJSON progress to the final `result` line. */
  protected async streamInstall(path: string, body: unknown, onEvent: (line: InstallLine) => void): Promise<InstallResult> {
    const res = await this.send('POST', path, body);
    if (res.status !== 200) await this.fail(res);
    let result: InstallResult | undefined;
    for await (const line of ndjson<InstallLine>(res.body)) {
      onEvent(line);
      if (line.type === 'result') result = line;
    }
    if (!result) throw new ApiError(0, 'aborted', 'the agent closed the connection before the install finished');
    return result;
  }

  async remove(id: string, keepData: boolean): Promise<void> {
    await this.json('DELETE', `/v1/apps/${encodeURIComponent(id)}?keepData=${keepData}`);
  }

  start(id: string): Promise<AppStatus> {
    return this.json('POST', `/v1/apps/${encodeURIComponent(id)}/start`);
  }

  stop(id: string): Promise<AppStatus> {
    return this.json('POST', `/v1/apps/${encodeURIComponent(id)}/stop`);
  }

  async logs(id: string, opts: { service?: string; tail?: number } = {}): Promise<Array<{ service: string; text: string }>> {
    const q = new URLSearchParams({ tail: String(opts.tail ?? 200), ...(opts.service ? { service: opts.service } : {}) });
    return (await this.json<{ logs: Array<{ service: string; text: string }> }>('GET', `/v1/apps/${encodeURIComponent(id)}/logs?${q}`)).logs;
  }

  async loadImage(archive: AsyncIterable<Uint8Array>): Promise<string[]> {
    const res = await this.transport({ method: 'POST', path: '/v1/images/load', headers: { 'content-type': 'application/x-tar' }, body: archive });
    if (res.status !== 200) await this.fail(res);
    return (JSON.parse(await text(res.body)) as { loaded: string[] }).loaded;
  }

  async *events(): AsyncIterable<AgentEvent> {
    const res = await this.send('GET', '/v1/events');
    if (res.status !== 200) await this.fail(res);
    yield* ndjson<AgentEvent>(res.body);
  }

  protected send(method: string, path: string, body?: unknown): Promise<TransportResponse> {
    return this.transport({
      method,
      path,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** A JSON call; any 2xx is success unless `okStatuses` says otherwise (health answers 503 with a body). */
  protected async json<T>(method: string, path: string, body?: unknown, okStatuses?: number[]): Promise<T> {
    const res = await this.send(method, path, body);
    const ok = okStatuses ? okStatuses.includes(res.status) : res.status >= 200 && res.status < 300;
    if (!ok) await this.fail(res);
    return JSON.parse(await text(res.body)) as T;
  }

  /** Error bodies come as `{error, message}` (agent routes) or `{statusCode, code, message}` (pairing and auth). */
  protected async fail(res: TransportResponse): Promise<never> {
    const raw = await text(res.body);
    let parsed: { error?: string; code?: string; message?: string; issues?: Array<{ path: string; message: string }> } = {};
    try {
      parsed = JSON.parse(raw) as typeof parsed;
    } catch {
      parsed = { message: raw.trim() || `HTTP ${res.status}` };
    }
    throw new ApiError(res.status, parsed.code ?? parsed.error ?? 'error', parsed.message ?? `HTTP ${res.status}`, parsed.issues);
  }
}

async function text(body: AsyncIterable<Uint8Array>): Promise<string> {
  const dec = new TextDecoder();
  let out = '';
  for await (const chunk of body) out += dec.decode(chunk, { stream: true });
  return out + dec.decode();
}

async function* ndjson<T>(body: AsyncIterable<Uint8Array>): AsyncIterable<T> {
  const dec = new TextDecoder();
  let buf = '';
  for await (const chunk of body) {
    buf += dec.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield JSON.parse(line) as T;
    }
  }
  if (buf.trim()) yield JSON.parse(buf) as T;
}
