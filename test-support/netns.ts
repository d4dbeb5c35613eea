// Throwaway network topologies for end-to-end tests: one Linux bridge, a named network namespace per host
// ("home", "cloud", "phone" by default) each joined to it by a veth pair, and an address for the host itself on
// the bridge (so processes in the host namespace, such as Pebble, reach the namespaces and vice versa).
// Names carry a random tag and the subnet is a random unused 10.x.y.0/24, so parallel test runs do not collide.
// Only loopback and these namespaces carry traffic. destroy() removes everything and is safe to call twice.
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface NetnsHost {
  /** Network namespace name (for `ip netns exec`, podman `--network ns:/run/netns/<name>`). */
  ns: string;
  /** Address on the bridge. */
  ip: string;
  /** Host-side end of the veth: set it down to cut this host off. */
  hostVeth: string;
}

export interface Topology<K extends string> {
  tag: string;
  bridge: string;
  /** The host namespace's own address on the bridge. */
  hostIp: string;
  /** /24 prefix length is fixed; this is the first three octets, e.g. "10.123.45". */
  subnet: string;
  hosts: Record<K, NetnsHost>;
  exec(host: K, argv: string[], opts?: { timeoutMs?: number }): Promise<{ stdout: string; stderr: string }>;
  spawn(host: K, argv: string[], opts?: SpawnOptions): ChildProcess;
  linkDown(host: K): Promise<void>;
  linkUp(host: K): Promise<void>;
  destroy(): Promise<void>;
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

async function usedSubnets(): Promise<Set<string>> {
  const { stdout } = await run('ip', ['-o', '-4', 'addr', 'show']);
  const nets = new Set<string>();
  for (const m of stdout.matchAll(/inet (\d+\.\d+\.\d+)\.\d+\//g)) nets.add(m[1] as string);
  const routes = await run('ip', ['-4', 'route', 'show']);
  for (const m of routes.stdout.matchAll(/^(\d+\.\d+\.\d+)\.\d+\//gm)) nets.add(m[1] as string);
  return nets;
}

/** Creates the topology; on any failure, what was created is removed before the error is rethrown. */
export async function createTopology<K extends string>(names: readonly K[]): Promise<Topology<K>> {
  if (names.length === 0 || names.length > 200) throw new Error('a topology needs 1..200 hosts');
  const tag = randomBytes(3).toString('hex');
  const used = await usedSubnets();
  let subnet = '';
  for (let i = 0; i < 50 && (!subnet || used.has(subnet)); i++) {
    const [a, b] = randomBytes(2);
    // 10.100-199.x: the relay's own netns tests use 10.200-249.
    subnet = `10.${100 + ((a as number) % 100)}.${b as number}`;
  }
  if (used.has(subnet)) throw new Error('no free 10.x.y.0/24 subnet found');
  const bridge = `tb${tag}`;
  const hostIp = `${subnet}.1`;
  const hosts = {} as Record<K, NetnsHost>;
  names.forEach((name, i) => {
    hosts[name] = { ns: `t${tag}-${name}`.slice(0, 32), ip: `${subnet}.${i + 2}`, hostVeth: `tv${tag}${i}` };
  });
  const children = new Set<ChildProcess>();
  let destroyed = false;
  const destroy = async (): Promise<void> => {
    if (destroyed) return;
    destroyed = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    for (const h of Object.values<NetnsHost>(hosts)) {
      await run('ip', ['netns', 'del', h.ns]).catch(() => undefined);
      await run('ip', ['link', 'del', h.hostVeth]).catch(() => undefined);
    }
    await run('ip', ['link', 'del', bridge]).catch(() => undefined);
  };
  try {
    await ip('link', 'add', bridge, 'type', 'bridge');
    await ip('addr', 'add', `${hostIp}/24`, 'dev', bridge);
    await ip('link', 'set', bridge, 'up');
    for (const h of Object.values<NetnsHost>(hosts)) {
      await ip('netns', 'add', h.ns);
      await ip('-n', h.ns, 'link', 'set', 'lo', 'up');
      await ip('link', 'add', h.hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.ns);
      await ip('link', 'set', h.hostVeth, 'master', bridge, 'up');
      await ip('-n', h.ns, 'addr', 'add', `${h.ip}/24`, 'dev', 'eth0');
      await ip('-n', h.ns, 'link', 'set', 'eth0', 'up');
    }
  } catch (err) {
    await destroy();
    throw err;
  }
  const nsOf = (host: K): NetnsHost => {
    const h = hosts[host];
    if (!h) throw new Error(`no host "${host}" in this topology`);
    return h;
  };
  return {
    tag, bridge, hostIp, subnet, hosts,
    exec: (host, argv, opts) =>
      run('ip', ['netns', 'exec', nsOf(host).ns, ...argv], { timeout: opts?.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 }),
    spawn: (host, argv, opts) => {
      const child = spawn('ip', ['netns', 'exec', nsOf(host).ns, ...argv], opts ?? { stdio: 'ignore' });
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    linkDown: (host) => ip('link', 'set', nsOf(host).hostVeth, 'down'),
    linkUp: (host) => ip('link', 'set', nsOf(host).hostVeth, 'up'),
    destroy,
  };
}
