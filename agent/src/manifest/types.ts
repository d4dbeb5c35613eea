// The app model the rest of the agent works with: a validated, normalised compose file with its x-hearth block.
// Everything here is plain data (JSON-serialisable) so it can be persisted, hashed and compared.

/** Compose `depends_on` conditions the agent honours. */
export type DependencyCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

/** Compose `restart` policies; the agent enforces them itself (with crash-loop back-off). */
export type RestartPolicy = 'no' | 'always' | 'on-failure' | 'unless-stopped';

export interface HealthCheckSpec {
  /** Exec form: ['CMD', 'arg0', ...] or ['CMD-SHELL', 'shell command']. */
  test: string[];
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  startPeriodMs: number;
  /** Probe interval while in the start period (compose `start_interval`). */
  startIntervalMs: number;
}

export interface VolumeMount {
  /** `volume`: a named volume declared at the top level; `bind`: a path relative to the app's data folder. */
  kind: 'volume' | 'bind';
  /** Volume name, or a normalised relative path (no leading `./`, no `..`) under the app's data folder. */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly: boolean;
}

export interface ResourceLimits {
  memoryBytes: number;
  pids: number;
  /** Fractional CPUs (compose `deploy.resources.limits.cpus`); undefined = no CPU limit. */
  cpus?: number;
}

export interface ServiceSpec {
  image: string;
  command?: string[];
  entrypoint?: string[];
  environment: Record<string, string>;
  volumes: VolumeMount[];
  dependsOn: Record<string, DependencyCondition>;
  healthcheck?: HealthCheckSpec;
  restart: RestartPolicy;
  user?: string;
  limits: ResourceLimits;
  /** Capabilities added back after `drop ALL`; each must be granted by `permissions.capabilities`. */
  capAdd: string[];
  /** Host device paths; each must be granted by `permissions.devices`. */
  devices: string[];
  /** Ports the service listens on inside its network (compose `expose`, plus route ports). Never published. */
  expose: number[];
}

export interface Route {
  /** DNS label under the device domain: `blog` → blog.<device domain>. */
  subdomain: string;
  service: string;
  port: number;
}

export interface Permissions {
  /** May reach the owner's local network (RFC 1918 / link-local). Off by default. */
  lan: boolean;
  /** Host device paths the app may map. */
  devices: string[];
  /** Linux capabilities (without CAP_ prefix, upper case) the app may add. */
  capabilities: string[];
}

export interface AppManifest {
  /** Lower-case DNS-label-safe id, unique on the device: `[a-z][a-z0-9-]{0,30}`. */
  id: string;
  name: string;
  /** Semver. */
  version: string;
  icon?: string;
  description?: string;
  routes: Route[];
  permissions: Permissions;
  services: Record<string, ServiceSpec>;
  /** Named volumes declared at the top level. */
  volumes: string[];
}

/** One thing wrong with a manifest: where (a dotted path into the file) and why. */
export interface ManifestIssue {
  path: string;
  message: string;
  /** 1-based line in the YAML text where the problem is (set by parseAppFile, not by parseAppObject). */
  line?: number;
}

export type ParseResult =
  | { ok: true; manifest: AppManifest }
  | { ok: false; issues: ManifestIssue[] };
