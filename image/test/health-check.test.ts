// hearth-health's logic against a real HTTP server on a unix socket (the agent's API transport).
import t from 'tap';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeHealth, readAgentApiConfig, waitHealthy } from '../src/health/check.js';

function listen(socketPath: string, status: () => number): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(status(), { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: status() === 200 ? 'ok' : 'degraded' }));
  });
  return new Promise((ok) => server.listen(socketPath, () => ok(server)));
}

t.test('probeHealth: 200 is healthy, 503 and a missing socket are not, with the reason', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-health-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sock = join(dir, 'agent.sock');
  let code = 503;
  const server = await listen(sock, () => code);
  t.teardown(() => server.close());

  const bad = await probeHealth(sock, 2000);
  t.equal(bad.ok, false);
  t.match(bad.detail, /HTTP 503/);
  code = 200;
  const good = await probeHealth(sock, 2000);
  t.equal(good.ok, true);
  t.match(good.detail, /HTTP 200 .*"ok"/);
  const missing = await probeHealth(join(dir, 'nope.sock'), 2000);
  t.equal(missing.ok, false);
  t.match(missing.detail, /ENOENT/);
});

t.test('probeHealth: a server that never answers times out', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-health-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sock = join(dir, 'hang.sock');
  const server = createServer(() => undefined);
  await new Promise<void>((ok) => server.listen(sock, ok));
  t.teardown(() => { server.closeAllConnections(); server.close(); });
  const r = await probeHealth(sock, 200);
  t.equal(r.ok, false);
  t.match(r.detail, /no answer within 200 ms/);
});

t.test('waitHealthy: retries until healthy, or reports the last failure at the deadline', async (t) => {
  let now = 0;
  const clock = { now: () => now, sleep: async (ms: number) => { now += ms; } };
  let calls = 0;
  const eventually = await waitHealthy({ ...clock, deadlineMs: 10_000, intervalMs: 1000,
    probe: async () => (++calls >= 3 ? { ok: true, detail: 'HTTP 200' } : { ok: false, detail: 'ECONNREFUSED' }) });
  t.same(eventually, { ok: true, detail: 'HTTP 200', attempts: 3 });

  now = 0;
  const never = await waitHealthy({ ...clock, deadlineMs: 5000, intervalMs: 1000,
    probe: async () => ({ ok: false, detail: 'HTTP 503 engine down' }) });
  t.equal(never.ok, false);
  t.equal(never.detail, 'HTTP 503 engine down');
  t.equal(never.attempts, 6);
});

t.test('waitHealthy: a flapping agent is not healthy; a steady one is, once settled', async (t) => {
  let now = 0;
  const clock = { now: () => now, sleep: async (ms: number) => { now += ms; } };
  let n = 0;
  const flapping = await waitHealthy({ ...clock, deadlineMs: 30_000, intervalMs: 1000, settleMs: 5000,
    probe: async () => (++n % 4 === 0 ? { ok: false, detail: 'ECONNREFUSED' } : { ok: true, detail: 'HTTP 200' }) });
  t.equal(flapping.ok, false);
  t.match(flapping.detail, /not stable for 5000 ms; last failure: ECONNREFUSED/);
  now = 0;
  const steady = await waitHealthy({ ...clock, deadlineMs: 30_000, intervalMs: 1000, settleMs: 5000,
    probe: async () => ({ ok: true, detail: 'HTTP 200' }) });
  t.same(steady, { ok: true, detail: 'HTTP 200', attempts: 6 });
});

t.test('readAgentApiConfig: validates and names what is wrong', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-health-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const p = join(dir, 'agent.json');
  writeFileSync(p, JSON.stringify({ api: { socketPath: '/run/hearth/agent.sock', tcp: { host: '0.0.0.0', port: 8080 } }, other: 1 }));
  t.same((await readAgentApiConfig(p)).api.socketPath, '/run/hearth/agent.sock');
  writeFileSync(p, JSON.stringify({ api: { socketPath: '' } }));
  await t.rejects(readAgentApiConfig(p), /agent\.json: \/api\/socketPath/);
  writeFileSync(p, '{not json');
  await t.rejects(readAgentApiConfig(p), /agent\.json: .*JSON/);
  await t.rejects(readAgentApiConfig(join(dir, 'missing.json')), /missing\.json: ENOENT/);
});
