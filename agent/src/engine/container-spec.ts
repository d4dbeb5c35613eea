// Pure: turns one service of a validated manifest into the engine's create body, with Hearth's sandbox
// defaults applied. The config hash is computed over this body (minus name and labels), so any change that
// would change the container changes the hash, and nothing else does.
import { createHash } from 'node:crypto';
import type { AppManifest, ServiceSpec } from '../manifest/types.js';
import { canonicalJson } from '../manifest/canonical.js';
import type { ContainerCreateBody } from './engine.js';
import { LABEL, containerName, networkName } from './labels.js';
import type { AppPaths } from '../volumes/paths.js';

export interface ServiceContainer {
  hash: string;
  body: ContainerCreateBody;
}

export function serviceContainer(app: AppManifest, service: string, paths: AppPaths): ServiceContainer {
  const spec = app.services[service];
  if (!spec) throw new Error(`app ${app.id} has no service ${service}`);
  const net = networkName(app.id);
  const core = {
    Image: spec.image,
    Cmd: spec.command,
    Entrypoint: spec.entrypoint,
    Env: Object.keys(spec.environment)
      .sort()
      .map((k) => `${k}=${spec.environment[k]}`),
    User: spec.user,
    ExposedPorts: exposedPorts(app, service, spec),
    HostConfig: hostConfig(app, spec, paths, net),
    NetworkingConfig: { EndpointsConfig: { [net]: { Aliases: [service] } } },
  };
  const hash = createHash('sha256').update(canonicalJson(core)).digest('hex').slice(0, 16);
  const body: ContainerCreateBody = {
    ...core,
    name: containerName(app.id, service, hash),
    Labels: {
      [LABEL.managed]: 'true',
      [LABEL.app]: app.id,
      [LABEL.service]: service,
      [LABEL.version]: app.version,
      [LABEL.hash]: hash,
    },
  };
  return { hash, body };
}

function exposedPorts(app: AppManifest, service: string, spec: ServiceSpec): Record<string, Record<string, never>> | undefined {
  const ports = new Set(spec.expose);
  for (const r of app.routes) if (r.service === service) ports.add(r.port);
  if (ports.size === 0) return undefined;
  const out: Record<string, Record<string, never>> = {};
  for (const p of [...ports].sort((a, b) => a - b)) out[`${p}/tcp`] = {};
  return out;
}

function hostConfig(app: AppManifest, spec: ServiceSpec, paths: AppPaths, net: string): Record<string, unknown> {
  const binds = spec.volumes.map((v) => {
    const host = v.kind === 'volume' ? paths.volume(app.id, v.source) : paths.bind(app.id, v.source);
    return `${host}:${v.target}${v.readOnly ? ':ro' : ''}`;
  });
  return {
    NetworkMode: net,
    Binds: binds,
    // Least privilege: nothing beyond what the manifest declared (and the parser checked against permissions).
    Privileged: false,
    CapDrop: ['ALL'],
    CapAdd: [...spec.capAdd].sort(),
    SecurityOpt: ['no-new-privileges'],
    Devices: spec.devices.map((d) => ({ PathOnHost: d, PathInContainer: d, CgroupPermissions: 'rwm' })),
    Memory: spec.limits.memoryBytes,
    MemorySwap: spec.limits.memoryBytes,
    PidsLimit: spec.limits.pids,
    // With every capability dropped, binding port 80 would need NET_BIND_SERVICE; the port floor is a
    // per-network-namespace setting (Docker's default since 20.10), so lowering it grants nothing on the host.
    Sysctls: { 'net.ipv4.ip_unprivileged_port_start': '0' },
    NanoCpus: spec.limits.cpus ? Math.round(spec.limits.cpus * 1e9) : 0,
    // The agent enforces restart policies itself, with crash-loop back-off it can see and report.
    RestartPolicy: { Name: 'no' },
    // A real init reaps zombies and forwards SIGTERM, so stops are quick even for shells and busybox.
    Init: true,
    // Apps never publish host ports: the ingress reaches them over their own network.
    PortBindings: {},
    PublishAllPorts: false,
  };
}
