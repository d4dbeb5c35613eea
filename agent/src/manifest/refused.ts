// Compose features Hearth refuses, with the reason shown to the app author. Keys not listed here and not in the
// schema get a generic "unknown key" error; `x-*` extension keys are ignored, as compose itself does.

const ENGINE_OWNS_NETWORK = 'each app gets its own isolated network, and the ingress routes to services by x-hearth.routes';

export const REFUSED_TOP_LEVEL_KEYS: Readonly<Record<string, string>> = {
  networks: `top-level networks are not supported: ${ENGINE_OWNS_NETWORK}`,
  configs: 'configs are not supported yet: put the file in a bind mount under the app folder (./config:/etc/app:ro)',
  secrets: 'secrets are not supported yet: put the file in a bind mount under the app folder, or use environment',
  include: 'include is not supported: an app is a single compose file',
};

export const REFUSED_SERVICE_KEYS: Readonly<Record<string, string>> = {
  privileged: 'privileged containers are refused: they own the whole device',
  network_mode: `network_mode is refused: ${ENGINE_OWNS_NETWORK}`,
  networks: `service networks are not supported: ${ENGINE_OWNS_NETWORK}`,
  pid: 'pid namespaces are refused: sharing the host or another container\'s process namespace escapes isolation',
  ipc: 'ipc namespaces are refused: sharing the host or another container\'s IPC namespace escapes isolation',
  uts: 'uts namespaces are refused: the agent sets the hostname',
  cgroup: 'cgroup namespaces are refused: the agent manages cgroups',
  userns_mode: 'userns_mode is refused: the agent chooses the user namespace',
  ports: 'ports are refused: apps publish no host ports; the ingress routes to them (declare x-hearth.routes, or expose for internal ports)',
  build: 'build is not supported: apps run published images only (set image)',
  security_opt: 'security_opt is refused: the agent applies its own seccomp/AppArmor/no-new-privileges profile',
  sysctls: 'sysctls are refused: kernel tunables are device-wide',
  extra_hosts: 'extra_hosts is not supported: services reach each other by service name; LAN hosts need permissions.lan and an IP address',
  volumes_from: 'volumes_from is refused: declare shared named volumes under top-level volumes and mount them in each service',
  configs: 'configs are not supported yet: put the file in a bind mount under the app folder (./config:/etc/app:ro)',
  secrets: 'secrets are not supported yet: put the file in a bind mount under the app folder, or use environment',
  cgroup_parent: 'cgroup_parent is refused: the agent places every app in its own cgroup',
  device_cgroup_rules: 'device_cgroup_rules is refused: grant devices with x-hearth.permissions.devices',
  runtime: 'runtime is refused: the agent chooses the OCI runtime',
  env_file: 'env_file is not supported: it reads host files at deploy time; write the values under environment',
  container_name: 'container_name is not supported: the agent names containers (hearth-<app>-<service>)',
  links: 'links is not supported: services reach each other by service name on the app network',
  external_links: 'external_links is refused: apps cannot reach other apps\' containers',
  labels: 'labels are not supported: routing is declared in x-hearth.routes',
  profiles: 'profiles are not supported: every service of an app runs',
  oom_kill_disable: 'oom_kill_disable is refused: a runaway app must not take the device down',
  ulimits: 'ulimits are not supported yet: the agent sets the limits (deploy.resources.limits)',
  logging: 'logging is not supported: the agent collects container output itself',
};

export const REFUSED_VOLUME_KEYS: Readonly<Record<string, string>> = {
  external: 'external volumes are refused: an app may only use volumes it declares, which the agent creates and backs up',
  driver: 'volume drivers are not supported: the agent creates local volumes in the app\'s data folder',
  driver_opts: 'driver_opts is refused: driver options can bind-mount arbitrary host paths',
  name: 'custom volume names are not supported: the agent prefixes volume names with the app id so apps cannot share them',
  labels: 'volume labels are not supported',
};

/** The reason a key is refused at this place in the file, if it is one of the refused features. */
export function refusalReason(parentPath: readonly (string | number)[], key: string): string | undefined {
  const table =
    parentPath.length === 0 ? REFUSED_TOP_LEVEL_KEYS
    : parentPath.length === 2 && parentPath[0] === 'services' ? REFUSED_SERVICE_KEYS
    : parentPath.length === 2 && parentPath[0] === 'volumes' ? REFUSED_VOLUME_KEYS
    : undefined;
  return table !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}
