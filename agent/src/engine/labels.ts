// How the agent marks what it owns in the engine. Labels are the only link between engine objects and
// the target state, which is what lets a restarted agent adopt running containers instead of recreating them.
export const LABEL = {
  managed: 'io.hearth.managed',
  app: 'io.hearth.app',
  service: 'io.hearth.service',
  version: 'io.hearth.version',
  hash: 'io.hearth.hash',
  /** Which agent owns the object: one per device, but tests and the demo run several agents on one engine. */
  scope: 'io.hearth.scope',
} as const;

export function networkName(app: string): string {
  return `hearth_${app}`;
}

/** Deterministic: the same app, service and config always get the same name, so a re-planned create is idempotent. */
export function containerName(app: string, service: string, hash: string): string {
  return `hearth_${app}_${service}_${hash.slice(0, 12)}`;
}
