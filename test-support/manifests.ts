// Builders of valid AppManifest objects for tests, shaped like the parser's output (same defaults), so a test can
// say only what matters to it: `webApp({ id: 'blog', version: '2.0.0', healthcheck: null })`.
// Built directly rather than through the parser so tests of the planner, ingress and status do not depend on it;
// agent/test/unit/manifests-builder.test.ts checks that the two agree.
import { HEALTHCHECK_DEFAULTS } from '../agent/src/manifest/healthcheck.js';
import { DEFAULT_LIMITS } from '../agent/src/manifest/resources.js';
import { DEFAULT_RESTART } from '../agent/src/manifest/service.js';
import type { AppManifest, HealthCheckSpec, Permissions, Route, ServiceSpec } from '../agent/src/manifest/types.js';

/** The busybox image `scripts/test-services.sh up` builds locally. */
export const TEST_IMAGE = 'localhost/hearth/busybox:latest';

/** A health check with the parser's defaults, probing the service's own web page. */
export function healthcheck(over: Partial<HealthCheckSpec> = {}): HealthCheckSpec {
  return { test: ['CMD', 'wget', '-q', '-O-', 'http://127.0.0.1/'], ...HEALTHCHECK_DEFAULTS, ...over };
}

/** One service with the parser's defaults (no health check unless given). */
export function service(over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    image: TEST_IMAGE,
    environment: {},
    volumes: [],
    dependsOn: {},
    restart: DEFAULT_RESTART,
    limits: { ...DEFAULT_LIMITS },
    capAdd: [],
    devices: [],
    expose: [],
    ...over,
  };
}

export interface WebAppOptions {
  id?: string;
  name?: string;
  version?: string;
  /** Image of the `web` service. */
  image?: string;
  /** Fields of `web`'s health check; `null` for none. Default: a wget probe with the parser's defaults. */
  healthcheck?: Partial<HealthCheckSpec> | null;
  /** Fields replacing those of `web`, or further services (built with `service()` defaults). */
  services?: Record<string, Partial<ServiceSpec>>;
  /** Default: `<id>` → web:80. */
  routes?: Route[];
  permissions?: Partial<Permissions>;
  /** Top-level named volumes. */
  volumes?: string[];
}

/** A one-service web app (`web`: busybox httpd on port 80, routed at `<id>`), plus whatever `services` adds. */
export function webApp(opts: WebAppOptions = {}): AppManifest {
  const id = opts.id ?? 'demo';
  const hc = opts.healthcheck === null ? undefined : healthcheck(opts.healthcheck ?? {});
  const routes = opts.routes ?? [{ subdomain: id, service: 'web', port: 80 }];
  const web = service({
    image: opts.image ?? TEST_IMAGE,
    command: ['httpd', '-f', '-p', '80'],
    expose: [80],
    ...(hc ? { healthcheck: hc } : {}),
  });
  const services: Record<string, ServiceSpec> = { web };
  for (const [name, over] of Object.entries(opts.services ?? {})) {
    services[name] = name === 'web' ? { ...web, ...over } : service(over);
  }
  return {
    id,
    name: opts.name ?? id.charAt(0).toUpperCase() + id.slice(1),
    version: opts.version ?? '1.0.0',
    routes,
    permissions: { lan: false, devices: [], capabilities: [], ...opts.permissions },
    services: Object.fromEntries(Object.keys(services).sort().map((n) => [n, services[n] as ServiceSpec])),
    volumes: [...(opts.volumes ?? [])].sort(),
  };
}
