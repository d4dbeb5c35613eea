// Install → healthy → reachable; update → healthy; failing update → rollback with data intact; crash loop →
// backed off and reported; stop/start; remove keeping or deleting data. Real podman, real ingress.
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAgent } from '../../../test-support/agent-harness.js';
import { containersOf } from '../../../test-support/engine.js';
import { uniqueId, webApp } from '../../../test-support/compose.js';
import type { InstallLine } from '../../src/client/index.js';

t.test('install, update, failed update rolls back, remove', async (t) => {
  const id = uniqueId('life');
  const h = await startAgent(t);

  const lines: InstallLine[] = [];
  const r1 = await h.client.install({ compose: webApp({ id, version: '1.0.0', page: 'version one' }) }, (l) => lines.push(l));
  t.ok(r1.ok, 'install succeeds');
  if (!r1.ok) return;
  t.equal(r1.outcome, 'installed');
  t.equal(r1.app.phase, 'running');
  t.same(r1.app.urls, [`http://${id}.hearth.test/`]);
  t.ok(lines.some((l) => l.type === 'step' && l.step === 'createContainer' && l.phase === 'done'), 'progress streamed');
  t.match((await h.fetchApp(id)).text, /version one/, 'served through the ingress');

  // Owner data written by v1 must survive a good update and a failed one.
  const page = join(h.dataDir, 'apps', id, 'data', 'volumes', 'www', 'index.html');
  t.match(readFileSync(page, 'utf8'), /version one/);

  const r2 = await h.client.install({ compose: webApp({ id, version: '1.1.0', page: 'version two', overwrite: true }) }, () => undefined);
  t.ok(r2.ok, 'update succeeds');
  if (!r2.ok) return;
  t.equal(r2.outcome, 'updated');
  t.equal(r2.app.version, '1.1.0');
  t.match((await h.fetchApp(id)).text, /version two/);
  t.equal(containersOf(id).length, 1, 'the old container was removed after the new one became healthy');

  const bad = await h.client.install(
    { compose: webApp({ id, version: '2.0.0', page: 'broken three', overwrite: true, healthPath: '/missing', startPeriod: '1s', retries: 2 }) },
    () => undefined,
  );
  t.notOk(bad.ok, 'an update whose health check fails is reported as failed');
  if (!bad.ok) t.match(bad.message, /rolled back to 1\.1\.0.*health check/);
  const after = await h.client.app(id);
  t.equal(after.version, '1.1.0', 'the old version is the target again');
  t.equal(after.lastFailure?.version, '2.0.0');
  t.match(after.lastFailure?.reason ?? '', /health check/);
  t.match((await h.fetchApp(id)).text, /version two/, 'the old version serves, with its data restored');
  t.match(readFileSync(page, 'utf8'), /version two/, 'volume data is the pre-update snapshot');
  t.equal(containersOf(id).length, 1, 'the failed container is gone');
  t.same(readdirSafe(join(h.dataDir, 'apps', id, 'snapshots')), [], 'the snapshot was cleaned up');

  await h.client.stop(id);
  t.equal(containersOf(id)[0]?.state, 'exited', 'stop stops the container');
  t.equal((await h.fetchApp(id)).status, 404, 'a stopped app is not routed');
  await h.client.start(id);
  await waitFor(async () => (await h.client.app(id)).phase === 'running');
  t.match((await h.fetchApp(id)).text, /version two/, 'start brings it back with its data');

  await h.client.remove(id, true);
  t.same(containersOf(id), [], 'remove deletes the containers');
  t.ok(existsSync(page), 'keepData keeps the data');
  const gone = await h.client.app(id).then(
    () => 0,
    (err: { status: number }) => err.status,
  );
  t.equal(gone, 404, 'a removed app is not found');

  await h.client.install({ compose: webApp({ id, version: '1.1.0' }) }, () => undefined);
  t.match((await h.fetchApp(id)).text, /version two/, 'reinstall finds the kept data');
  await h.client.remove(id, false);
  t.notOk(existsSync(join(h.dataDir, 'apps', id)), 'delete-data removes the app folder');
});

t.test('a crash-looping app is backed off and reported', async (t) => {
  const id = uniqueId('crash');
  const h = await startAgent(t);
  const accepted = await h.client.install({ compose: webApp({ id, before: 'exit 3' }) });
  t.ok(accepted.ok);
  await waitFor(async () => (await h.client.app(id)).phase === 'crash-looping', 60_000);
  const s = await h.client.app(id);
  t.equal(s.phase, 'crash-looping');
  t.ok((s.services[0]?.restarts ?? 0) >= 4, 'restarts are counted');
  t.match(s.waiting.join(' | '), /web: crash-looping, restarted \d+ times, the last after exit 3/, 'the owner sees why, whatever the moment');
  const restartsBefore = s.services[0]?.restarts ?? 0;
  await new Promise((r) => setTimeout(r, 1500));
  const later = await h.client.app(id);
  t.ok((later.services[0]?.restarts ?? 0) <= restartsBefore + 1, 'back-off slows the restarts down');
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
