// One service: the structurally valid fields of a compose service → ServiceSpec, with defaults filled in and every
// grant-dependent field (cap_add, devices) checked against the app's permissions.
import { splitCommand } from './command.js';
import { normaliseDependsOn } from './dependencies.js';
import { normaliseEnvironment } from './environment.js';
import { FORBIDDEN_CAPABILITIES, normaliseCapability } from './hearth-block.js';
import { normaliseHealthcheck } from './healthcheck.js';
import { normaliseImageRef } from './image-ref.js';
import { validFields, type IssueList, type Path } from './issues.js';
import { normaliseLimits } from './resources.js';
import type { RawHealthcheck, RawService } from './schema.js';
import type { Permissions, RestartPolicy, ServiceSpec } from './types.js';
import { normaliseVolumeMounts } from './volumes.js';

export const SERVICE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const RESTART_POLICIES: readonly RestartPolicy[] = ['no', 'always', 'on-failure', 'unless-stopped'];
export const DEFAULT_RESTART: RestartPolicy = 'unless-stopped';

export interface ServiceContext {
  /** Undefined when a section is broken: checks that need it are skipped rather than misreported. */
  declaredVolumes: ReadonlySet<string> | undefined;
  serviceNames: ReadonlySet<string> | undefined;
  permissions: Permissions | undefined;
}

function argv(raw: string | string[], path: Path, issues: IssueList): string[] | undefined {
  if (Array.isArray(raw)) return raw;
  const split = splitCommand(raw);
  if (!split.ok) issues.add(path, `cannot be split into arguments: it ${split.reason}`);
  return split.ok ? split.value : undefined;
}

function restart(raw: string, path: Path, issues: IssueList): RestartPolicy {
  if ((RESTART_POLICIES as readonly string[]).includes(raw)) return raw as RestartPolicy;
  issues.add(path, /^on-failure:\d+$/.test(raw)
    ? 'a retry count is not supported: use on-failure (the agent backs off crash loops itself)'
    : `"${raw}" is not a restart policy: use ${RESTART_POLICIES.join(', ')}`);
  return DEFAULT_RESTART;
}

function user(raw: string | number, path: Path, issues: IssueList): string {
  const text = String(raw);
  if (!/^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$/.test(text)) issues.add(path, `"${text}" must be user or user:group (names or numeric ids)`);
  return text;
}

function expose(raw: (string | number)[], path: Path, issues: IssueList): number[] {
  const ports = new Set<number>();
  raw.forEach((item, i) => {
    const match = /^(\d{1,5})(?:\/(?:tcp|udp))?$/.exec(String(item));
    const port = match ? Number(match[1]) : NaN;
    if (port >= 1 && port <= 65535) ports.add(port);
    else issues.add([...path, i], `"${item}" must be a port number 1-65535 (optionally /tcp or /udp; no ranges)`);
  });
  return [...ports].sort((a, b) => a - b);
}

function capAdd(raw: string[], permissions: Permissions | undefined, path: Path, issues: IssueList): string[] {
  const caps = new Set<string>();
  raw.forEach((name, i) => {
    const cap = normaliseCapability(name);
    if (FORBIDDEN_CAPABILITIES.has(cap)) issues.add([...path, i], `${cap} is refused: it gives full control of the device`);
    else if (permissions !== undefined && !permissions.capabilities.includes(cap)) {
      issues.add([...path, i], `${cap} is not granted: add it to x-hearth.permissions.capabilities`);
    } else caps.add(cap);
  });
  return [...caps].sort();
}

function devices(raw: string[], permissions: Permissions | undefined, path: Path, issues: IssueList): string[] {
  const out = new Set<string>();
  raw.forEach((entry, i) => {
    const [host, container, ...rest] = entry.split(':');
    if (rest.length > 0 || (container !== undefined && container !== host)) {
      issues.add([...path, i], `"${entry}" must be a host device path, optionally mapped to the same path (/dev/x or /dev/x:/dev/x); renaming and permission suffixes are not supported`);
    } else if (permissions !== undefined && !permissions.devices.includes(host as string)) {
      issues.add([...path, i], `${host} is not granted: add it to x-hearth.permissions.devices`);
    } else out.add(host as string);
  });
  return [...out].sort();
}

/** Normalises one service. The result is only used when the whole file has no issues. */
export function normaliseService(name: string, raw: Partial<RawService>, context: ServiceContext, issues: IssueList): ServiceSpec {
  const path = ['services', name];
  const at = (key: string): Path => [...path, key];
  if (!SERVICE_NAME_PATTERN.test(name)) {
    issues.add(path, `"${name}" is not a valid service name: use lower-case letters, digits, "-" and "_" (at most 63, starting with a letter or digit)`);
  }
  const spec: ServiceSpec = {
    image: raw.image ?? '',
    environment: raw.environment === undefined ? {} : normaliseEnvironment(raw.environment, at('environment'), issues),
    volumes: raw.volumes === undefined ? [] : normaliseVolumeMounts(raw.volumes, context.declaredVolumes, at('volumes'), issues),
    dependsOn: raw.depends_on === undefined ? {} : normaliseDependsOn(raw.depends_on, name, context.serviceNames, at('depends_on'), issues),
    restart: raw.restart === undefined ? DEFAULT_RESTART : restart(raw.restart, at('restart'), issues),
    limits: normaliseLimits({ ...raw, deploy: validFields(raw.deploy, at('deploy'), issues) }, path, issues),
    capAdd: raw.cap_add === undefined ? [] : capAdd(raw.cap_add, context.permissions, at('cap_add'), issues),
    devices: raw.devices === undefined ? [] : devices(raw.devices, context.permissions, at('devices'), issues),
    expose: raw.expose === undefined ? [] : expose(raw.expose, at('expose'), issues),
  };
  if (raw.image !== undefined) {
    const image = normaliseImageRef(raw.image);
    if (image.ok) spec.image = image.value;
    else issues.add(at('image'), image.reason);
  }
  if (raw.command !== undefined) spec.command = argv(raw.command, at('command'), issues);
  if (raw.entrypoint !== undefined) spec.entrypoint = argv(raw.entrypoint, at('entrypoint'), issues);
  if (raw.user !== undefined) spec.user = user(raw.user, at('user'), issues);
  const healthcheck = validFields<RawHealthcheck>(raw.healthcheck, at('healthcheck'), issues);
  if (healthcheck !== undefined) {
    const check = normaliseHealthcheck(healthcheck, at('healthcheck'), issues);
    if (check !== undefined) spec.healthcheck = check;
  }
  // Optional fields stay absent rather than undefined, so deep equality and hashing see the same shape.
  if (spec.command === undefined) delete spec.command;
  if (spec.entrypoint === undefined) delete spec.entrypoint;
  return spec;
}
