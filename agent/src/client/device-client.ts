// The phone's client of the device web: the agent API (HearthClient) plus the device-only calls (device info,
// updates, the app store, paired clients, invites). Browser-safe; give it a signed transport
// (client-auth/signed-transport.ts) for everything except the public pairing routes.
import type { CatalogEntry } from '../catalog/index-schema.js';
import { HearthClient, type InstallLine, type InstallResult } from './client.js';

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
  device(): Promise<DeviceInfo> {
    return this.json('GET', '/v1/device');
  }

  updates(): Promise<UpdatesInfo> {
    return this.json('GET', '/v1/updates');
  }

  catalog(): Promise<{ version: number; apps: StoreApp[] }> {
    return this.json('GET', '/v1/catalog');
  }

  /** Installs a store app by id, streaming the same NDJSON progress lines as `install`, until healthy or failed. */
  installFromCatalog(id: string, onLine: (line: InstallLine) => void = () => undefined): Promise<InstallResult> {
    return this.streamInstall('/v1/catalog/install?wait=true', { id }, onLine);
  }

  async clients(): Promise<PairedClient[]> {
    return (await this.json<{ clients: PairedClient[] }>('GET', '/v1/clients')).clients;
  }

  async revokeClient(id: string): Promise<void> {
    await this.json('DELETE', `/v1/clients/${encodeURIComponent(id)}`);
  }

  createInvite(): Promise<Invite> {
    return this.json('POST', '/v1/pair/invites');
  }
}
