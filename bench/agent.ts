// `npm run bench -- agent`: the agent as it runs on a device (one esbuild bundle, plain node) against real podman.
// Measures idle RSS with 10 apps, install-to-healthy, failed requests during an update under load, and the cost of a
// no-op reconcile pass; each beside a baseline from the same run. Then the same agent as a relayed device with TLS
// (bench/_relayed-device.ts): its RSS after certificate issuance and after a restart. Last line: RESULT {json}.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleAgent } from '../scripts/bundle.mjs';
import { measureStackFloor } from './_stack-floor.js';
import { HearthClient } from '../agent/src/client/index.js';
import { nodeTransport } from '../agent/src/client/node-transport.js';
import { webApp } from '../test-support/compose.js';
import { execConmonPids, newScope, removeScope, requireEngine } from '../test-support/engine.js';
import { memorySplitMb, rssMb } from './_memory.js';
import { measureRelayedDevice } from './_relayed-device.js';
import { median, round } from './_stats.js';

const ROOT = new URL('..', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * Measure what a device runs: node's flags and the malloc settings of the device's unit file. For an experiment,
 * AGENT_BENCH_NODE_FLAGS adds flags and MALLOC_* variables set for the run override the unit's (both recorded in
 * the RESULT line when used). The bare-node baseline runs with neither.
 */
const DEVICE = deviceNodeSettings(join(ROOT, 'image/overlay/common/etc/systemd/system/hearth-agent.service'));
const EXTRA_FLAGS = process.env.AGENT_BENCH_NODE_FLAGS?.trim() ?? '';
const NODE_FLAGS = [...DEVICE.flags, ...(EXTRA_FLAGS ? EXTRA_FLAGS.split(/\s+/) : [])];
const RUN_MALLOC_ENV: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env)) if (k.startsWith('MALLOC_') && v !== undefined) RUN_MALLOC_ENV[k] = v;
const AGENT_ENV: Record<string, string> = { ...DEVICE.env, ...RUN_MALLOC_ENV };
export default async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-bench-'));
  const scope = newScope('bench');
  const bundle = join(dir, 'agent.mjs');
  await bundleAgent(join(ROOT, 'agent/src/main.ts'), bundle);
  const config = {
    dataDir: join(dir, 'data'),
    deviceDomain: 'bench.test',
    engine: { socketPath: requireEngine(), scope },
    api: { socketPath: join(dir, 'agent.sock') },
    ingress: { host: '127.0.0.1', port: 0 },
    pairing: { secretFile: join(dir, 'none'), resetMarker: join(dir, 'none-reset') },
    logLevel: 'warn',
    diskReserveMb: 1,
    stopTimeoutSeconds: 2,
  };
  writeFileSync(join(dir, 'agent.json'), JSON.stringify(config));
  const agent = spawn(process.execPath, [...NODE_FLAGS, bundle], { env: { ...process.env, ...AGENT_ENV, HEARTH_CONFIG: join(dir, 'agent.json') }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  agent.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new HearthClient(nodeTransport({ socketPath: config.api.socketPath }));
  try {
    for (let i = 0; ; i++) {
      try {
        await client.health();
        break;
      } catch {
        if (i > 300) throw new Error(`agent did not start:\n${stderr}`);
        await sleep(100);
      }
    }
    const ingressPort = await findIngressPort(agent.pid!);

    // install → healthy, 5 times (fresh app each time, local image), with `podman run` + first answer as baseline
    const installs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = await client.install({ compose: webApp({ id: `inst${i}`, startPeriod: '5s' }) }, () => undefined);
      if (!r.ok) throw new Error(`install failed: ${r.message}`);
      installs.push(performance.now() - t0);
    }
    const baselines: number[] = [];
    for (let i = 0; i < 5; i++) baselines.push(podmanRunToAnswerMs(`${scope}-base${i}`));

    // 10 apps running, then let the agent settle and read its RSS
    for (let i = 5; i < 10; i++) await client.install({ compose: webApp({ id: `inst${i}` }) }, () => undefined);
    await sleep(10_000);
    const idleRss = rssMb(agent.pid!);
    const idleSplit = memorySplitMb(agent.pid!);
    const execHelpers = execConmonsOf(scope);
    // The heap grows between major GCs while the apps are health-checked (old space fills with what survived the
    // small young generation), so one sample can land low or high: watch a minute more and keep the range.
    const idleSamples = [idleRss];
    for (let i = 0; i < 12; i++) {
      await sleep(5000);
      idleSamples.push(rssMb(agent.pid!));
    }
    const notRunning = (await client.listApps()).filter((a) => a.phase !== 'running').map((a) => `${a.id}: ${a.phase}`);
    if (notRunning.length) console.log(`not running at the RSS sample: ${notRunning.join(', ')}`);
    const bareEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MALLOC_')));
    const bareNode = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { env: bareEnv });
    await sleep(1000);
    const bareRss = rssMb(bareNode.pid!);
    const bareSplit = memorySplitMb(bareNode.pid!);
    bareNode.kill();
    const floor = await measureStackFloor({ dir, engineSocket: config.engine.socketPath, nodeFlags: NODE_FLAGS, env: AGENT_ENV });

    // no-op passes: the agent reports each pass's observe+plan time; sample for a few seconds
    const passes: number[] = [];
    for (let i = 0; i < 20; i++) {
      const ms = (await client.health()).reconcile.lastPassMs;
      if (ms !== undefined) passes.push(ms);
      await sleep(300);
    }
    const listMs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      execFileSync('curl', ['-s', '--unix-socket', config.engine.socketPath, 'http://d/v1.41/containers/json?all=1', '-o', '/dev/null']);
      listMs.push(performance.now() - t0);
    }

    // updates under a steady load: the agent's start-new-then-switch vs stop-then-start (what compose does)
    const web = 'inst0';
    const during = async (action: () => Promise<void>) => load(ingressPort, `${web}.bench.test`, action);
    const update = await during(async () => {
      const r = await client.install({ compose: webApp({ id: web, version: '2.0.0', page: 'v2', overwrite: true }) }, () => undefined);
      if (!r.ok) throw new Error(`update failed: ${r.message}`);
    });
    const recreate = await during(async () => {
      await client.stop(web);
      await client.start(web);
    });

    const apps = (await client.health()).apps;
    // The second phase runs alone: this agent and its ten apps go first.
    agent.kill('SIGTERM');
    await new Promise((r) => agent.once('exit', r));
    removeScope(scope);
    // AGENT_BENCH_SKIP_RELAYED=1 leaves the second phase out (quicker experiments on the first one's figures).
    const relayed = process.env.AGENT_BENCH_SKIP_RELAYED === '1' ? {} : await measureRelayedDevice({ bundle, dir, engineSocket: config.engine.socketPath, nodeFlags: NODE_FLAGS, env: AGENT_ENV });

    const result = {
      idle_rss_mb: round(idleRss),
      bare_node_rss_mb: round(bareRss),
      idle_rss_min_mb: round(Math.min(...idleSamples)),
      idle_rss_max_mb: round(Math.max(...idleSamples)),
      idle_anon_mb: round(idleSplit.anon),
      idle_file_backed_mb: round(idleSplit.file),
      bare_node_anon_mb: round(bareSplit.anon),
      bare_node_file_backed_mb: round(bareSplit.file),
      stack_floor_rss_mb: round(floor.rss),
      stack_floor_anon_mb: round(floor.anon),
      stack_floor_file_backed_mb: round(floor.file),
      exec_conmons: execHelpers.count,
      exec_conmons_pss_mb: round(execHelpers.pssMb),
      apps_running: apps.running,
      apps_installed: apps.total,
      install_to_healthy_ms: round(median(installs)),
      install_runs_ms: installs.map(round),
      baseline_podman_run_to_answer_ms: round(median(baselines)),
      update_downtime_failed_requests: update.failed,
      update_requests: update.total,
      baseline_stop_start_failed_requests: recreate.failed,
      baseline_stop_start_requests: recreate.total,
      noop_reconcile_ms: round(median(passes)),
      baseline_engine_list_ms: round(median(listMs)),
      ...relayed,
      ...(EXTRA_FLAGS ? { agent_node_flags: NODE_FLAGS.join(' ') } : {}),
      ...(Object.keys(RUN_MALLOC_ENV).length ? { agent_env: AGENT_ENV } : {}),
      goals: { idle_rss_mb: 60, install_to_healthy_ms: 2000, update_downtime_failed_requests: 0 },
    };
    console.log(`idle RSS ${result.idle_rss_mb} MB (${result.idle_rss_min_mb}–${result.idle_rss_max_mb} over the next minute) = ${result.idle_anon_mb} anonymous + ${result.idle_file_backed_mb} file-backed (bare node ${result.bare_node_rss_mb} = ${result.bare_node_anon_mb} + ${result.bare_node_file_backed_mb}; the decided libraries alone, idle: ${result.stack_floor_rss_mb} = ${result.stack_floor_anon_mb} + ${result.stack_floor_file_backed_mb}); podman keeps ${result.exec_conmons} conmons of finished health-check execs (${result.exec_conmons_pss_mb} MB PSS); install→healthy ${result.install_to_healthy_ms} ms (podman run→answer ${result.baseline_podman_run_to_answer_ms} ms)`);
    // A failed request during the update is the figure that must stay 0: show what the agent logged about it.
    if (update.failed) console.log(`the agent's warnings and errors in this run:\n${warningsOf(stderr)}`);
    console.log(`update under load: ${update.failed}/${update.total} failed ${JSON.stringify(update.reasons)} (stop+start: ${recreate.failed}/${recreate.total} ${JSON.stringify(recreate.reasons)}); no-op pass ${result.noop_reconcile_ms} ms (engine list ${result.baseline_engine_list_ms} ms)`);
    console.log(`RESULT ${JSON.stringify(result)}`);
  } finally {
    agent.kill('SIGTERM');
    await sleep(500);
    removeScope(scope);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the health checks cost outside the agent: podman's conmons for finished execs, and their memory. */
function execConmonsOf(scope: string): { count: number; pssMb: number } {
  const ids = execFileSync('podman', ['ps', '-q', '--no-trunc', '--filter', `label=io.hearth.scope=${scope}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const pids = execConmonPids(ids);
  let pssKb = 0;
  for (const pid of pids) {
    try {
      pssKb += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // the process ended while we looked
    }
  }
  return { count: pids.length, pssMb: pssKb / 1024 };
}

/** The ingress listens on an ephemeral port; read it from the agent's sockets. */
async function findIngressPort(pid: number): Promise<number> {
  const out = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' });
  for (const line of out.split('\n')) {
    if (line.includes(`pid=${pid},`)) {
      const m = /127\.0\.0\.1:(\d+)/.exec(line);
      if (m) return Number(m[1]);
    }
  }
  throw new Error('ingress port not found');
}

function podmanRunToAnswerMs(name: string): number {
  const t0 = performance.now();
  execFileSync('podman', ['run', '-d', '--name', name, '--label', `io.hearth.scope=${name.split('-base')[0]}`, 'localhost/hearth/busybox:latest', 'httpd', '-f', '-p', '8080', '-h', '/www']);
  for (;;) {
    try {
      execFileSync('podman', ['exec', name, 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:8080/'], { stdio: 'ignore' });
      break;
    } catch {
      /* not yet */
    }
  }
  const ms = performance.now() - t0;
  execFileSync('podman', ['rm', '-f', '-t', '0', name], { stdio: 'ignore' });
  return ms;
}

/** The node flags of the unit's `ExecStart=/usr/bin/node [flags] BUNDLE` and its `Environment=MALLOC_*` settings. */
function deviceNodeSettings(unitFile: string): { flags: string[]; env: Record<string, string> } {
  const unit = readFileSync(unitFile, 'utf8');
  const exec = /^ExecStart=\/usr\/bin\/node((?: --\S+)*) \S+$/m.exec(unit);
  if (!exec) throw new Error(`${unitFile}: no "ExecStart=/usr/bin/node [--flags] BUNDLE" line`);
  const env = Object.fromEntries([...unit.matchAll(/^Environment=(MALLOC_\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  return { flags: exec[1]!.trim().split(/\s+/).filter(Boolean), env };
}

/** pino lines at warn (40) or above from the agent's output, one per line. */
function warningsOf(output: string): string {
  return output.split('\n').filter((line) => /^\{.*"level":([4-9]\d)/.test(line)).join('\n') || '(none)';
}

/** Four keep-alive clients hammer the app while `action` runs; counts requests that did not get a 200. */
async function load(port: number, host: string, action: () => Promise<void>): Promise<{ total: number; failed: number; reasons: Record<string, number> }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  let total = 0;
  let failed = 0;
  const reasons: Record<string, number> = {};
  const fail = (reason: string) => {
    failed++;
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  };
  let running = true;
  const one = () =>
    new Promise<void>((resolve) => {
      // Each request counts once: a response cut off after its headers emits no 'end' and no request 'error', only
      // 'close' with res.complete false, so it is counted there (before, it left its worker waiting for ever).
      let counted = false;
      const done = (reason?: string) => {
        if (counted) return;
        counted = true;
        total++;
        if (reason) fail(reason);
        resolve();
      };
      const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host }, agent }, (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}`));
        res.on('close', () => done(res.complete ? undefined : 'response cut off after its headers'));
      });
      req.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
      req.setTimeout(5000, () => req.destroy());
    });
  const worker = async () => {
    while (running) await one();
  };
  const workers = [worker(), worker(), worker(), worker()];
  await sleep(500);
  await action();
  await sleep(500);
  running = false;
  await Promise.all(workers);
  agent.destroy();
  return { total, failed, reasons };
}
