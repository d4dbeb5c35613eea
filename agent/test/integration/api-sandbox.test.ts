// Through the real API: bad app files are refused with named reasons and change nothing; every app container
// gets the sandbox defaults; apps cannot reach the admin API or the engine socket; images come
// from a real registry (with progress) or from an uploaded archive.
import t from 'tap';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent } from '../../../test-support/agent-harness.js';
import { BUSYBOX_IMAGE, REGISTRY, containersOf } from '../../../test-support/engine.js';
import { uniqueId, webApp } from '../../../test-support/compose.js';
import type { ApiError, InstallLine } from '../../src/client/index.js';

const podman = (...args: string[]) => execFileSync('podman', args, { encoding: 'utf8' }).trim();

t.test('bad app files are refused with the field and the reason, and nothing changes', async (t) => {
  const id = uniqueId('bad');
  const h = await startAgent(t);
  const good = webApp({ id, version: '1.0.0' });
  await h.client.install({ compose: good }, () => undefined);
  const before = containersOf(id);

  const svc = (extra: string) => good.replace('    restart: unless-stopped\n', `    restart: unless-stopped\n${extra}`);
  const cases: Array<[string, string, RegExp, RegExp]> = [
    ['privileged', svc('    privileged: true\n'), /services\.web\.privileged/, /privileged/],
    ['host network', svc('    network_mode: host\n'), /services\.web\.network_mode/, /network/],
    ['host pid', svc('    pid: host\n'), /services\.web\.pid/, /pid|process/i],
    ['host ipc', svc('    ipc: host\n'), /services\.web\.ipc/, /ipc/i],
    ['undeclared capability', svc('    cap_add: [NET_ADMIN]\n'), /services\.web\.cap_add/, /NET_ADMIN/],
    ['undeclared device', svc('    devices: [/dev/ttyUSB0]\n'), /services\.web\.devices/, /ttyUSB0/],
    ['published ports', svc('    ports: ["8080:80"]\n'), /services\.web\.ports/, /ingress|port/i],
    ['bind outside data', good.replace('      - www:/www', '      - /etc:/host-etc'), /services\.web\.volumes/, /data folder|absolute/i],
    ['bind escaping data', good.replace('      - www:/www', '      - ../../x:/x'), /services\.web\.volumes/, /\.\.|escape|outside/i],
    ['engine socket', good.replace('      - www:/www', '      - /run/podman/podman.sock:/var/run/docker.sock'), /services\.web\.volumes/, /socket|absolute|data folder/i],
    ['bad semver', good.replace('version: 1.0.0', 'version: one'), /x-hearth\.version/, /semver|version/i],
    ['route to a missing service', good.replace(`${id}: web:80`, `${id}: api:80`), /x-hearth\.routes/, /api/],
    ['interpolation', good.replace('restart: unless-stopped', 'restart: ${POLICY}'), /services\.web\.restart/, /interpolation|\$\{/],
    ['unknown key', svc('    frobnicate: 1\n'), /services\.web\.frobnicate/, /unknown|not supported/i],
    ['YAML syntax', good.replace('services:\n', 'services:\n  web: [\n'), /.*/, /YAML syntax error at line \d+/],
  ];
  for (const [name, text, path, reason] of cases) {
    const err = (await h.client.install({ compose: text }).then(
      () => undefined,
      (e: ApiError) => e,
    )) as ApiError | undefined;
    t.ok(err, `${name}: refused`);
    if (!err) continue;
    t.equal(err.status, 400, `${name}: 400`);
    t.equal(err.code, 'manifest-rejected');
    const issue = err.issues?.find((i) => path.test(i.path) && reason.test(i.message));
    t.ok(issue, `${name}: names ${path} and why (${JSON.stringify(err.issues)})`);
  }
  const after = await h.client.app(id);
  t.equal(after.version, '1.0.0', 'the installed app is untouched');
  t.same(containersOf(id), before, 'no container was created, changed or removed');
  t.same((await h.client.listApps()).map((a) => a.id), [id], 'no app was added');
});

t.test('sandbox defaults, and no way to the admin API or the engine', async (t) => {
  const a = uniqueId('sbxa');
  const b = uniqueId('sbxb');
  const h = await startAgent(t);
  for (const id of [a, b]) {
    const r = await h.client.install({ compose: webApp({ id }) }, () => undefined);
    t.ok(r.ok, `${id} installed`);
  }
  const [ca] = containersOf(a);
  const [cb] = containersOf(b);
  const info = JSON.parse(podman('inspect', ca!.id))[0] as {
    HostConfig: { Privileged: boolean; SecurityOpt: string[]; Memory: number; PidsLimit: number; NetworkMode: string; PortBindings: object | null };
    EffectiveCaps: string[] | null;
    Mounts: Array<{ Source: string; Destination: string }>;
    NetworkSettings: { Networks: Record<string, { IPAddress: string; Gateway: string }> };
  };
  t.equal(info.HostConfig.Privileged, false, 'not privileged');
  t.ok(info.HostConfig.SecurityOpt.some((o) => /no-new-privileges/.test(o)), 'no-new-privileges');
  t.equal(info.HostConfig.Memory, 32 * 1024 * 1024, 'memory limit from the manifest');
  t.equal(info.HostConfig.PidsLimit, 64, 'pids limit');
  const nets = Object.keys(info.NetworkSettings.Networks);
  t.ok(nets.length === 1 && nets[0]!.endsWith(`hearth_${a}`), `its own network, and only that (${nets.join(', ')})`);
  const published = Object.values(info.HostConfig.PortBindings ?? {}).filter((b) => Array.isArray(b) && b.length > 0);
  t.same(published, [], `no published host ports (${JSON.stringify(info.HostConfig.PortBindings)})`);
  t.same(info.EffectiveCaps ?? [], [], 'no capabilities');
  t.equal(podman('exec', ca!.id, 'sh', '-c', "grep CapEff /proc/self/status | tr -d '\\t'"), 'CapEff:0000000000000000', 'zero effective capabilities inside');
  for (const m of info.Mounts) t.ok(m.Source.startsWith(join(h.dataDir, 'apps', a, 'data')), `mount ${m.Destination} comes from the app data folder`);
  t.notOk(/podman\.sock|docker\.sock/.test(podman('exec', ca!.id, 'sh', '-c', 'ls /run /var/run 2>/dev/null; true')), 'no engine socket inside');

  // The admin API listens on loopback and a unix socket only: the app cannot reach it through its gateway.
  const api = h.agent.apiTcpAddress()!;
  const gw = Object.values(info.NetworkSettings.Networks)[0]!.Gateway;
  // (busybox-static's `wget -T` segfaults; `timeout` bounds the attempt instead)
  // Asynchronous: the agent runs in this process, and a synchronous exec would block it (a false "blocked").
  const run = promisify(execFile);
  const probe = async (url: string) =>
    (await run('podman', ['exec', ca!.id, 'sh', '-c', `timeout 3 wget -q -O- ${url} >/dev/null 2>&1 && echo reached || echo blocked`])).stdout.trim();
  t.equal(await probe(`http://${gw}:${api.port}/v1/health`), 'blocked', 'admin API not reachable via the gateway');
  t.equal(await probe(`http://127.0.0.1:${api.port}/v1/health`), 'blocked', 'admin API not reachable on the container loopback');
  t.equal(podman('exec', cb!.id, 'sh', '-c', `timeout 3 wget -q -O- http://127.0.0.1/ >/dev/null && echo reached`), 'reached', 'the probe itself works (control)');

  // Apps cannot reach each other: each app's network is an isolated netavark bridge. A TCP connect to app b's web
  // server from app a is dropped; the same connect from inside b's own network works (control).
  const bInfo = JSON.parse(podman('inspect', cb!.id))[0] as { NetworkSettings: { Networks: Record<string, { IPAddress: string }> } };
  const bIp = Object.values(bInfo.NetworkSettings.Networks)[0]!.IPAddress;
  const connect = async (from: string) =>
    (await run('podman', ['exec', from, 'sh', '-c', `nc -w 3 ${bIp} 80 </dev/null >/dev/null 2>&1 && echo open || echo closed`])).stdout.trim();
  t.equal(await connect(cb!.id), 'open', `b's web server answers on its own network at ${bIp} (control)`);
  t.equal(await connect(ca!.id), 'closed', 'app a cannot open a connection to app b');
});

t.test('images from a real registry (with progress) and from an uploaded archive', async (t) => {
  const id = uniqueId('reg');
  const tag = `t${Date.now()}`;
  const remote = `${REGISTRY}/hearth/busybox:${tag}`;
  podman('tag', BUSYBOX_IMAGE, remote);
  podman('push', '-q', remote);
  podman('rmi', remote);
  t.teardown(() => void execFileSync('podman', ['rmi', '-f', remote], { stdio: 'ignore' }));
  const h = await startAgent(t);
  const lines: InstallLine[] = [];
  const r = await h.client.install({ compose: webApp({ id, image: remote }) }, (l) => lines.push(l));
  t.ok(r.ok, 'installed from the registry');
  t.ok(lines.some((l) => l.type === 'step' && l.step === 'fetchImage' && l.phase === 'done'), 'the image was pulled');
  t.ok(lines.some((l) => l.type === 'pull'), 'pull progress was streamed');
  t.match((await h.fetchApp(id)).text, /hello from/);

  const dir = mkdtempSync(join(tmpdir(), 'hearth-load-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const ref = `localhost/hearth/loadtest:${tag}`;
  podman('tag', BUSYBOX_IMAGE, ref);
  podman('save', '--format', 'docker-archive', '-o', join(dir, 'img.tar'), ref);
  podman('rmi', ref);
  t.teardown(() => void execFileSync('podman', ['rmi', '-f', ref], { stdio: 'ignore' }));
  const loaded = await h.client.loadImage(createReadStream(join(dir, 'img.tar')));
  t.ok(loaded.some((l) => l.includes(`loadtest:${tag}`)), `archive loaded (${loaded.join(', ')})`);
  t.ok(existsSync(join(dir, 'img.tar')));
  t.equal(podman('image', 'exists', ref) === '' ? 'yes' : 'no', 'yes', 'the engine has the image');

  const missing = uniqueId('miss');
  const res = await h.client.install({ compose: webApp({ id: missing, image: 'localhost/hearth/nothing:here' }) }, () => undefined, 20_000).catch((e: Error) => e);
  t.ok(res instanceof Error || !(res as { ok: boolean }).ok, 'an app whose local image is absent does not come up');
  const s = await h.client.app(missing);
  t.match(s.error ?? '', /not on the device.*load it first/, 'and the owner is told why');
  await h.client.remove(missing, false);
});
