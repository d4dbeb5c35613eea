// Pure: which container serves each host name. A route follows the app's healthy container of the target
// version when there is one, else the still-healthy old one, so an update switches only once the new
// version passed its health gate.
import { serviceContainer } from '../engine/container-spec.js';
import type { ObservedContainer, TargetState } from '../planner/types.js';
import type { AppPaths } from '../volumes/paths.js';

export interface Upstream {
  app: string;
  service: string;
  containerId: string;
  ip: string;
  port: number;
}

export type RouteTable = Map<string, Upstream>;

export function hostFor(subdomain: string, app: string, deviceDomain: string): string {
  const label = subdomain === '@' ? app : subdomain;
  return `${label}.${deviceDomain}`.toLowerCase();
}

export function computeRoutes(target: TargetState, containers: ObservedContainer[], deviceDomain: string, paths: AppPaths): RouteTable {
  const table: RouteTable = new Map();
  for (const [app, record] of Object.entries(target.apps)) {
    if (record.desired !== 'running') continue;
    for (const route of record.manifest.routes) {
      if (!record.manifest.services[route.service]) continue;
      const wanted = serviceContainer(record.manifest, route.service, paths).hash;
      const live = containers.filter((c) => c.app === app && c.service === route.service && c.state === 'running' && c.health === 'healthy' && c.ip);
      const pick = live.find((c) => c.hash === wanted) ?? live[0];
      if (!pick?.ip) continue;
      table.set(hostFor(route.subdomain, app, deviceDomain), { app, service: route.service, containerId: pick.id, ip: pick.ip, port: route.port });
    }
  }
  return table;
}
