// Resource limits from `deploy.resources.limits` and the older service-level aliases (`mem_limit`, `cpus`,
// `pids_limit`). Defaults keep one app from starving the device: 256 MiB memory, 256 processes, no CPU cap.
import type { IssueList, Path } from './issues.js';
import type { RawDeploy } from './schema.js';
import type { ResourceLimits } from './types.js';
import { parseSize } from './units.js';

export const DEFAULT_LIMITS = { memoryBytes: 256 * 1024 * 1024, pids: 256 } as const;
/** The container runtime refuses less memory than this; say so here rather than at start time. */
const MIN_MEMORY_BYTES = 6 * 1024 * 1024;

interface LimitSources {
  deploy?: Partial<RawDeploy>;
  mem_limit?: string | number;
  cpus?: string | number;
  pids_limit?: number;
}

/** The value from deploy or from the alias; both given and different is an error, since one would be ignored. */
function pick<T>(fromDeploy: T | undefined, fromAlias: T | undefined, aliasPath: Path, deployName: string, same: (a: T, b: T) => boolean, issues: IssueList): T | undefined {
  if (fromDeploy !== undefined && fromAlias !== undefined && !same(fromDeploy, fromAlias)) {
    issues.add(aliasPath, `conflicts with deploy.resources.limits.${deployName}: give the limit once`);
  }
  return fromDeploy ?? fromAlias;
}

function memory(value: string | number, path: Path, issues: IssueList): number | undefined {
  const parsed = parseSize(value);
  if (!parsed.ok) issues.add(path, parsed.reason);
  else if (parsed.value < MIN_MEMORY_BYTES) issues.add(path, 'must be at least 6m (6 MiB)');
  else return parsed.value;
  return undefined;
}

function cpus(value: string | number, path: Path, issues: IssueList): number | undefined {
  const number = typeof value === 'number' ? value : /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(number) || number <= 0) issues.add(path, `"${value}" must be a positive number of CPUs, like 0.5 or 2`);
  else return number;
  return undefined;
}

export function normaliseLimits(raw: LimitSources, servicePath: Path, issues: IssueList): ResourceLimits {
  const limitsPath = [...servicePath, 'deploy', 'resources', 'limits'];
  const fromDeploy = raw.deploy?.resources?.limits ?? {};
  const limits: ResourceLimits = { ...DEFAULT_LIMITS };

  const memDeploy = fromDeploy.memory === undefined ? undefined : memory(fromDeploy.memory, [...limitsPath, 'memory'], issues);
  const memAlias = raw.mem_limit === undefined ? undefined : memory(raw.mem_limit, [...servicePath, 'mem_limit'], issues);
  limits.memoryBytes = pick(memDeploy, memAlias, [...servicePath, 'mem_limit'], 'memory', (a, b) => a === b, issues) ?? limits.memoryBytes;

  const cpuDeploy = fromDeploy.cpus === undefined ? undefined : cpus(fromDeploy.cpus, [...limitsPath, 'cpus'], issues);
  const cpuAlias = raw.cpus === undefined ? undefined : cpus(raw.cpus, [...servicePath, 'cpus'], issues);
  const cpu = pick(cpuDeploy, cpuAlias, [...servicePath, 'cpus'], 'cpus', (a, b) => a === b, issues);
  if (cpu !== undefined) limits.cpus = cpu;

  const pids = pick(fromDeploy.pids, raw.pids_limit, [...servicePath, 'pids_limit'], 'pids', (a, b) => a === b, issues);
  if (pids !== undefined && pids < 1) issues.add(fromDeploy.pids !== undefined ? [...limitsPath, 'pids'] : [...servicePath, 'pids_limit'], 'must be at least 1 (unlimited is not allowed)');
  else if (pids !== undefined) limits.pids = pids;
  return limits;
}
