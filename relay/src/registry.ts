// Which live tunnel on this node serves which name, kept consistent with the shared route store. A name held by a
// live tunnel of another device is refused; the same device reconnecting takes its names over and its old tunnel
// is closed. Claims in the store carry a TTL that is refreshed while the tunnel lives, so a crashed node's names expire.
import type { Logger } from 'pino';
import type { Rejection } from '../../agent/src/tunnel/protocol.js';
import type { DeviceTunnel } from './tunnel.js';
import { routeKeys, type RouteStore } from './store/types.js';

export interface RegistryOptions {
  nodeId: string;
  routeTtlMs: number;
  store: RouteStore;
  log: Logger;
}

export class TunnelRegistry {
  private readonly byName = new Map<string, DeviceTunnel>();
  private readonly byDevice = new Map<string, DeviceTunnel>();
  private readonly refresher: NodeJS.Timeout;

  constructor(private readonly options: RegistryOptions) {
    this.refresher = setInterval(() => void this.refresh(), Math.max(100, options.routeTtlMs / 3));
    this.refresher.unref();
  }

  get size(): number {
    return this.byDevice.size;
  }

  find(serverName: string): DeviceTunnel | undefined {
    for (const key of routeKeys(serverName)) {
      const tunnel = this.byName.get(key);
      if (tunnel?.isOpen) return tunnel;
    }
    return undefined;
  }

  /** Decides which of `names` this device may serve: free locally and claimed in the store. */
  async claim(deviceId: string, names: readonly string[]): Promise<{ accepted: string[]; rejected: Rejection[] }> {
    const accepted: string[] = [];
    const rejected: Rejection[] = [];
    const owner = { deviceId, nodeId: this.options.nodeId };
    for (const name of names) {
      if (this.heldByOther(name, deviceId)) {
        rejected.push({ name, reason: 'name is served by another connected device' });
        continue;
      }
      const result = await this.options.store.claim(name, owner, this.options.routeTtlMs);
      if (result.ok) accepted.push(name);
      else rejected.push({ name, reason: 'name is served by another connected device' });
    }
    return { accepted, rejected };
  }

  /** Installs a tunnel for names already claimed; re-checks locally since claims were async. */
  install(tunnel: DeviceTunnel): void {
    const previous = this.byDevice.get(tunnel.deviceId);
    this.byDevice.set(tunnel.deviceId, tunnel);
    for (const name of tunnel.names) this.byName.set(name, tunnel);
    if (previous && previous !== tunnel) previous.close('replaced by a new tunnel from the same device');
    tunnel.once('close', () => void this.remove(tunnel));
  }

  /** Gives back store claims made by a login that then failed, unless a live local tunnel of that device uses them. */
  async abandon(deviceId: string, names: readonly string[]): Promise<void> {
    if (this.byDevice.get(deviceId)?.isOpen) return;
    const owner = { deviceId, nodeId: this.options.nodeId };
    await Promise.allSettled(names.map((name) => this.options.store.release(name, owner)));
  }

  heldByOther(name: string, deviceId: string): boolean {
    const holder = this.byName.get(name);
    return holder !== undefined && holder.isOpen && holder.deviceId !== deviceId;
  }

  async close(): Promise<void> {
    clearInterval(this.refresher);
    for (const tunnel of [...this.byDevice.values()]) tunnel.close('relay shutting down');
    await Promise.allSettled([...this.pendingReleases]);
  }

  private readonly pendingReleases = new Set<Promise<void>>();

  private async remove(tunnel: DeviceTunnel): Promise<void> {
    if (this.byDevice.get(tunnel.deviceId) === tunnel) this.byDevice.delete(tunnel.deviceId);
    const owner = { deviceId: tunnel.deviceId, nodeId: this.options.nodeId };
    for (const name of tunnel.names) {
      if (this.byName.get(name) !== tunnel) continue;
      this.byName.delete(name);
      const p = this.options.store.release(name, owner).catch((err: Error) => {
        this.options.log.warn({ name, err: err.message }, 'route release failed');
      });
      this.pendingReleases.add(p);
      void p.finally(() => this.pendingReleases.delete(p));
    }
  }

  private async refresh(): Promise<void> {
    for (const [name, tunnel] of this.byName) {
      if (!tunnel.isOpen) continue;
      try {
        const result = await this.options.store.claim(name, { deviceId: tunnel.deviceId, nodeId: this.options.nodeId }, this.options.routeTtlMs);
        if (!result.ok) this.options.log.warn({ name, holder: result.holder }, 'route lost to another device');
      } catch (err) {
        this.options.log.warn({ name, err: (err as Error).message }, 'route refresh failed');
      }
    }
  }
}
