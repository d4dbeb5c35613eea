// The phone's client of the device web: the agent API (HearthClient) plus the device-only calls (device info,
// updates, the app store, paired clients, invites). Browser-safe; give it a signed transport
// (client-auth/signed-transport.ts) for everything except the public pairing routes.
import type { CatalogEntry } from '../catalog/index-schema.js';
import { ApiError, HearthClient, type InstallLine, type InstallResult } from './client.js';
import type { Transport, TransportResponse } from './transport.js';

export interface DeviceInfo {
  deviceId: string;
  deviceDomain: string;
  version: string;
  uptimeS: number;
  storage: { totalBytes: number; freeBytes: number };
  connectivity: { relays: Array<{ url: string; up: boolean }>; lan: boolean };
}

export interface UpdatesInfo {
  channel: string;
  status: string;
  current: string;
}

export type StoreApp = CatalogEntry & { installed: boolean; installedVersion?: string };

export interface PairedClient {
  id: string;
  name: string;
  addedAt: string;
  via: string;
  revokedAt?: string;
}

export interface Invite {
  inviteId: string;
  /** hearth://pair?...&i=<invite id>: the new client's pairing link. */
  url: string;
  expiresAt: string;
}

export class DeviceClient extends HearthClient {
  constructor(private readonly t: Transport) {
    super(t);
  }

  device(): Promise<DeviceInfo> {
    return this.call('GET', '/v1/device');
  }

  updates(): Promise<UpdatesInfo> {
    return this.call('GET', '/v1/updates');
  }

  catalog(): Promise<{ version: number; apps: StoreApp[] }> {
    return this.call('GET', '/v1/catalog');
  }

  /** Installs a store app by id, streaming the same NDJSON progress lines as `install`, until healthy or failed. */
  async installFromCatalog(id: string, onLine: (line: InstallLine) => void = () => undefined): Promise<InstallResult> {
    const res = await this.request('POST', '/v1/catalog/install?wait=true', { id });
    if (res.status !== 200) await failWith(res);
    let result: InstallResult | undefined;
    for await (const line of ndjsonLines<InstallLine>(res.body)) {
      onLine(line);
      if (line.type === 'result') result = line;
    }
    if (!result) throw new ApiError(0, 'aborted', 'the device closed the connection before the install finished');
    return result;
  }

  async clients(): Promise<PairedClient[]> {
    return (await this.call<{ clients: PairedClient[] }>('GET', '/v1/clients')).clients;
  }

  async revokeClient(id: string): Promise<void> {
    await this.call('DELETE', `/v1/clients/${encodeURIComponent(id)}`);
  }

  createInvite(): Promise<Invite> {
    return this.call('POST', '/v1/pair/invites');
  }

  private request(method: string, path: string, body?: unknown): Promise<TransportResponse> {
    return this.t({
      method,
      path,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(method, path, body);
    if (res.status < 200 || res.status > 299) await failWith(res);
    return JSON.parse(await readText(res.body)) as T;
  }
}

/** Error bodies come as `{error, message}` (agent routes) or `{statusCode, code, message}` (pairing/auth). */
async function failWith(res: TransportResponse): Promise<never> {
  const raw = await readText(res.body);
  let parsed: { error?: string; code?: string; message?: string; issues?: Array<{ path: string; message: string }> } = {};
  try {
    parsed = JSON.parse(raw) as typeof parsed;
  } catch {
    parsed = { message: raw.trim() || `HTTP ${res.status}` };
  }
  throw new ApiError(res.status, parsed.code ?? parsed.error ?? 'error', parsed.message ?? `HTTP ${res.status}`, parsed.issues);
}

async function readText(body: AsyncIterable<Uint8Array>): Promise<string> {
  const dec = new TextDecoder();
  let out = '';
  for await (const chunk of body) out += dec.decode(chunk, { stream: true });
  return out + dec.decode();
}

async function* ndjsonLines<T>(body: AsyncIterable<Uint8Array>): AsyncIterable<T> {
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
