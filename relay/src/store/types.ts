// Where the relay records which node serves a name. One node uses the memory store; a cluster shares Redis so a
// node that receives a ClientHello for a device connected elsewhere can forward the stream to the owning node.
export interface RouteOwner {
  deviceId: string;
  nodeId: string;
}

export type ClaimResult = { ok: true } | { ok: false; holder: RouteOwner };

export interface RouteStore {
  /** Claims `name` for `owner` for `ttlMs`. The same device (any node) may take it over; another device may not. */
  claim(name: string, owner: RouteOwner, ttlMs: number): Promise<ClaimResult>;
  /** Releases `name` only if `owner` still holds it. */
  release(name: string, owner: RouteOwner): Promise<void>;
  lookup(name: string): Promise<RouteOwner | null>;
  /** Advertises where other nodes reach this node's forward port. */
  setNode(nodeId: string, address: string, ttlMs: number): Promise<void>;
  getNode(nodeId: string): Promise<string | null>;
  close(): Promise<void>;
}

/** Candidate route keys for a served name: the exact name, then the one-label wildcard above it. */
export function routeKeys(serverName: string): string[] {
  const dot = serverName.indexOf('.');
  return dot > 0 ? [serverName, `*${serverName.slice(dot)}`] : [serverName];
}
