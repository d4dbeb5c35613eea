// The single-node route store. Entries expire like Redis keys, so both stores behave the same in tests.
import type { Clock } from '../rate-limit.js';
import type { ClaimResult, RouteOwner, RouteStore } from './types.js';

export class MemoryRouteStore implements RouteStore {
  private readonly routes = new Map<string, { owner: RouteOwner; expires: number }>();
  private readonly nodes = new Map<string, { address: string; expires: number }>();
  constructor(private readonly clock: Clock) {}

  async claim(name: string, owner: RouteOwner, ttlMs: number): Promise<ClaimResult> {
    const current = this.live(this.routes, name);
    if (current && current.owner.deviceId !== owner.deviceId) return { ok: false, holder: current.owner };
    this.routes.set(name, { owner: { ...owner }, expires: this.clock.now() + ttlMs });
    return { ok: true };
  }

  async release(name: string, owner: RouteOwner): Promise<void> {
    const current = this.routes.get(name);
    if (current && current.owner.deviceId === owner.deviceId && current.owner.nodeId === owner.nodeId) this.routes.delete(name);
  }

  async lookup(name: string): Promise<RouteOwner | null> {
    return this.live(this.routes, name)?.owner ?? null;
  }

  async setNode(nodeId: string, address: string, ttlMs: number): Promise<void> {
    this.nodes.set(nodeId, { address, expires: this.clock.now() + ttlMs });
  }

  async getNode(nodeId: string): Promise<string | null> {
    return this.live(this.nodes, nodeId)?.address ?? null;
  }

  async close(): Promise<void> {}

  private live<T extends { expires: number }>(map: Map<string, T>, key: string): T | undefined {
    const entry = map.get(key);
    if (entry && entry.expires <= this.clock.now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }
}
