// appStatus: the phase, services, URLs and messages the owner sees, derived purely from its inputs.
import t from 'tap';
import { appStatus, type StatusInputs } from '../../src/apps/status.js';
import type { AppRecord } from '../../src/state/app-records.js';
import { webApp } from '../../../test-support/manifests.js';
import { containerOf, record } from './planner-fixtures.js';

const v1 = webApp({ id: 'blog', version: '1.0.0', image: 'r.example/blog:1' });
const v2 = webApp({ id: 'blog', version: '2.0.0', image: 'r.example/blog:2', services: { db: { image: 'r.example/db:1' } } });

function inputs(rec: AppRecord, over: Partial<StatusInputs> = {}): StatusInputs {
  return {
    record: rec,
    containers: Object.keys(rec.manifest.services).map((s) => containerOf(rec.manifest, s)),
    waits: [],
    restarts: () => 0,
    crashLooping: () => false,
    restartReason: () => undefined,
    deviceDomain: 'abc.hearth.example',
    scheme: 'https',
    ...over,
  };
}

t.test('running: every service healthy, nothing waiting', async (t) => {
  const m = { ...v1, icon: 'icon.png', description: 'A blog' };
  const s = appStatus('blog', inputs(record(m), { restarts: (svc) => (svc === 'web' ? 2 : 0) }));
  t.same(s, {
    id: 'blog',
    name: 'Blog',
    version: '1.0.0',
    icon: 'icon.png',
    description: 'A blog',
    desired: 'running',
    phase: 'running',
    urls: ['https://blog.abc.hearth.example/'],
    services: [{ name: 'web', state: 'running', health: 'healthy', detail: undefined, version: '1.0.0', restarts: 2 }],
    waiting: [],
    error: undefined,
    update: undefined,
    lastFailure: undefined,
  });
});

t.test('installing: no containers yet (absent services), or waits pending', async (t) => {
  const none = appStatus('blog', inputs(record(v1), { containers: [] }));
  t.equal(none.phase, 'installing');
  t.same(none.services, [{ name: 'web', state: 'absent', health: 'none', detail: undefined, version: undefined, restarts: 0 }]);
  const waiting = appStatus('blog', inputs(record(v1), { waits: [{ app: 'blog', reason: 'creating the app network' }, { app: 'blog', service: 'web', reason: 'starting' }] }));
  t.equal(waiting.phase, 'installing');
  t.same(waiting.waiting, ['creating the app network', 'web: starting']);
});

t.test('unhealthy: a service failing its check shows the detail', async (t) => {
  const bad = containerOf(v1, 'web', { health: 'unhealthy', healthDetail: 'HTTP 500' });
  const s = appStatus('blog', inputs(record(v1), { containers: [bad] }));
  t.equal(s.phase, 'unhealthy');
  t.match(s.services[0], { health: 'unhealthy', detail: 'HTTP 500' });
});

t.test('updating: shows the update; the service row is the container of the target version', async (t) => {
  const rec = record(v2, { previous: v1, update: { from: '1.0.0', to: '2.0.0', startedAt: 42, snapshot: '/snap' } });
  const old = containerOf(v1, 'web');
  const neu = containerOf(v2, 'web', { health: 'starting' });
  const s = appStatus('blog', inputs(rec, { containers: [old, neu, containerOf(v2, 'db')] }));
  t.equal(s.phase, 'updating');
  t.same(s.update, { from: '1.0.0', to: '2.0.0', startedAt: 42 }, 'no internal fields (snapshot path) leak');
  t.same(s.services.map((x) => [x.name, x.version, x.health]), [['db', '2.0.0', 'healthy'], ['web', '2.0.0', 'starting']]);
  const onlyOld = appStatus('blog', inputs(rec, { containers: [old] }));
  t.match(onlyOld.services.find((x) => x.name === 'web'), { version: '1.0.0', health: 'healthy' }, 'falls back to the old container');
});

t.test('rolling-back wins over everything else', async (t) => {
  const rec = record(v2, { desired: 'stopped', update: { from: '1.0.0', to: '2.0.0', startedAt: 1, rollingBack: 'web crashed' } });
  const s = appStatus('blog', inputs(rec, { crashLooping: () => true, failure: { message: 'x' } }));
  t.equal(s.phase, 'rolling-back');
});

t.test('stopped: desired stopped, even with containers unhealthy', async (t) => {
  const s = appStatus('blog', inputs(record(v1, { desired: 'stopped' }), { containers: [containerOf(v1, 'web', { health: 'unhealthy' })] }));
  t.equal(s.phase, 'stopped');
  t.equal(s.desired, 'stopped');
});

t.test('crash-looping (any service), ahead of failing and updating', async (t) => {
  const rec = record(v2, { update: { from: '1.0.0', to: '2.0.0', startedAt: 1 } });
  const s = appStatus('blog', inputs(rec, { crashLooping: (svc) => svc === 'db', failure: { message: 'pull failed' } }));
  t.equal(s.phase, 'crash-looping');
});

t.test('crash-looping says why even while the restarted container waits for its health check', async (t) => {
  const s = appStatus(
    'blog',
    inputs(record(v2), {
      containers: [containerOf(v2, 'web'), containerOf(v2, 'db', { health: 'starting' })],
      waits: [{ app: 'blog', service: 'db', reason: 'waiting for the health check' }],
      restarts: (svc) => (svc === 'db' ? 5 : 0),
      crashLooping: (svc) => svc === 'db',
      restartReason: (svc) => (svc === 'db' ? 'exit 3' : undefined),
    }),
  );
  t.same(s.waiting, ['db: crash-looping, restarted 5 times, the last after exit 3', 'db: waiting for the health check']);
  const noReason = appStatus('blog', inputs(record(v2), { restarts: () => 4, crashLooping: () => true }));
  t.same(noReason.waiting, ['db: crash-looping, restarted 4 times', 'web: crash-looping, restarted 4 times'], 'no reason, no dangling clause');
});

t.test('failing: a step keeps failing; its message is the error; ahead of updating', async (t) => {
  const rec = record(v2, { update: { from: '1.0.0', to: '2.0.0', startedAt: 1 } });
  const s = appStatus('blog', inputs(rec, { failure: { message: 'pull r.example/blog:2: manifest unknown' } }));
  t.equal(s.phase, 'failing');
  t.equal(s.error, 'pull r.example/blog:2: manifest unknown');
});

t.test('last failure of an update is reported after it rolled back; urls follow routes and scheme', async (t) => {
  const m = webApp({ id: 'shop', routes: [{ subdomain: 'shop', service: 'web', port: 80 }, { subdomain: 'admin', service: 'web', port: 80 }] });
  const rec = record(m, { lastFailure: { version: '2.0.0', reason: 'web failed its health check', at: 9 } });
  const s = appStatus('shop', inputs(rec, { scheme: 'http', deviceDomain: 'hearth.local' }));
  t.equal(s.phase, 'running');
  t.same(s.lastFailure, { version: '2.0.0', reason: 'web failed its health check', at: 9 });
  t.same(s.urls, ['http://shop.hearth.local/', 'http://admin.hearth.local/']);
});
