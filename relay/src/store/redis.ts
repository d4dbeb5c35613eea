// The shared route store for a relay cluster. Values are "deviceId|nodeId" with a TTL that the owning node
// refreshes; claims run as Lua so "another device holds it" and "take it over" are decided atomically in Redis.
import { RespClient } from './resp.js';
import type { ClaimResult, RouteOwner, RouteStore } from './types.js';

const CLAIM = `local cur = redis.call('GET', KEYS[1])
if cur then
  local dev = string.match(cur, '^([^|]*)|')
  if dev ~= ARGV[1] then return cur end
end
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
return 'OK'`;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

function parseOwner(value: unknown): RouteOwner | null {
  if (typeof value !== 'string') return null;
  const bar = value.indexOf('|');
  if (bar <= 0) return null;
  return { deviceId: value.slice(0, bar), nodeId: value.slice(bar + 1) };
}

export class RedisRouteStore implements RouteStore {
  private constructor(private readonly client: RespClient, private readonly prefix: string) {}

  static async connect(url: string, prefix = 'hearth:relay:'): Promise<RedisRouteStore> {
    const parsed = new URL(url);
    if (parsed.protocol !== 'redis:') throw new Error(`redis URL must start with redis://, got ${url}`);
    const client = await RespClient.open(parsed.hostname, Number(parsed.port || 6379));
    await client.command('PING');
    return new RedisRouteStore(client, prefix);
  }

  async claim(name: string, owner: RouteOwner, ttlMs: number): Promise<ClaimResult> {
    const reply = await this.client.command('EVAL', CLAIM, 1, this.key('name', name), owner.deviceId, owner.nodeId, Math.ceil(ttlMs));
    if (reply === 'OK') return { ok: true };
    const holder = parseOwner(reply);
    if (!holder) throw new Error(`unexpected claim reply from redis: ${JSON.stringify(reply)}`);
    return { ok: false, holder };
  }

  async release(name: string, owner: RouteOwner): Promise<void> {
    await this.client.command('EVAL', RELEASE, 1, this.key('name', name), `${owner.deviceId}|${owner.nodeId}`);
  }

  async lookup(name: string): Promise<RouteOwner | null> {
    return parseOwner(await this.client.command('GET', this.key('name', name)));
  }

  async setNode(nodeId: string, address: string, ttlMs: number): Promise<void> {
    await this.client.command('SET', this.key('node', nodeId), address, 'PX', Math.ceil(ttlMs));
  }

  async getNode(nodeId: string): Promise<string | null> {
    const v = await this.client.command('GET', this.key('node', nodeId));
    return typeof v === 'string' ? v : null;
  }

  close(): Promise<void> {
    return this.client.close();
  }

  private key(kind: string, id: string): string {
    return `${this.prefix}${kind}:${id}`;
  }
}
