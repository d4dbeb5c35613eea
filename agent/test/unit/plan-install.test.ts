// plan() for a fresh install, the converged no-op, and the guarantee that only the container's meaning (not the
// way the file was written) decides whether anything is recreated.
import t from 'tap';
import { serviceContainer } from '../../src/engine/container-spec.js';
import { parseAppFile } from '../../src/manifest/parse.js';
import type { AppManifest } from '../../src/manifest/types.js';
import { TEST_IMAGE, webApp } from '../../../test-support/manifests.js';
import { containerOf, converged, imagesOf, kinds, paths, planFor, record, targetOf } from './planner-fixtures.js';

t.test('fresh install without a network: only createNetwork, and a wait saying so', async (t) => {
  const m = webApp({ id: 'blog' });
  const p = planFor(targetOf(record(m)), { containers: [], networks: [], images: [] });
  t.same(p.steps, [{ kind: 'createNetwork', app: 'blog' }]);
  t.same(p.waits, [{ app: 'blog', reason: 'creating the app network' }]);
});

t.test('network present, image missing: fetchImage, nothing created yet', async (t) => {
  const m = webApp({ id: 'blog', image: 'registry.example/blog:2' });
  const p = planFor(targetOf(record(m)), { containers: [], networks: ['blog'], images: [] });
  t.same(p.steps, [{ kind: 'fetchImage', app: 'blog', image: 'registry.example/blog:2' }]);
  t.equal(p.waits.length, 1);
  t.match(p.waits[0]?.reason, /fetching registry\.example\/blog:2/);
});

t.test('two services on one image: fetched once; an image already present is not fetched', async (t) => {
  const m = webApp({ id: 'shop', image: 'r.example/shop:1', services: { worker: { image: 'r.example/shop:1' }, cache: { image: TEST_IMAGE } } });
  const p = planFor(targetOf(record(m)), { containers: [], networks: ['shop'], images: [TEST_IMAGE] });
  t.same(p.steps, [{ kind: 'fetchImage', app: 'shop', image: 'r.example/shop:1' }]);
});

t.test('image present: createContainer with the sandboxed body from serviceContainer', async (t) => {
  const m = webApp({ id: 'blog' });
  const p = planFor(targetOf(record(m)), { containers: [], networks: ['blog'], images: imagesOf(m) });
  const expected = serviceContainer(m, 'web', paths);
  t.same(p.steps, [{ kind: 'createContainer', app: 'blog', service: 'web', hash: expected.hash, body: expected.body }]);
  const step = p.steps[0];
  if (step?.kind !== 'createContainer') throw new Error('unreachable');
  t.same(step.body.HostConfig.CapDrop, ['ALL']);
  t.equal(step.body.HostConfig.Privileged, false);
  t.equal(step.body.HostConfig.NetworkMode, 'hearth_blog');
  t.same(p.waits, []);
});

t.test('a created container is started (not counted as a restart)', async (t) => {
  const m = webApp({ id: 'blog' });
  const c = containerOf(m, 'web', { state: 'created', health: 'none', ip: undefined });
  const p = planFor(targetOf(record(m)), { containers: [c], networks: ['blog'], images: imagesOf(m) });
  t.same(p.steps, [{ kind: 'startContainer', app: 'blog', service: 'web', containerId: c.id }]);
  t.same(p.waits, [{ app: 'blog', service: 'web', reason: 'starting' }]);
});

t.test('running, health check not yet passed: wait only', async (t) => {
  const m = webApp({ id: 'blog' });
  const c = containerOf(m, 'web', { health: 'starting' });
  const p = planFor(targetOf(record(m)), { containers: [c], networks: ['blog'], images: imagesOf(m) });
  t.same(p.steps, []);
  t.same(p.waits, [{ app: 'blog', service: 'web', reason: 'waiting for the health check' }]);
});

t.test('a container in a transient state (paused, restarting) is waited for, never acted on', async (t) => {
  const m = webApp({ id: 'blog' });
  for (const state of ['paused', 'restarting', 'removing', 'unknown'] as const) {
    const c = containerOf(m, 'web', { state });
    const p = planFor(targetOf(record(m)), { containers: [c], networks: ['blog'], images: imagesOf(m) });
    t.same(p.steps, [], state);
    t.same(p.waits, [{ app: 'blog', service: 'web', reason: `container is ${state}` }], state);
  }
});

t.test('converged app: zero steps and zero waits (the no-op pass)', async (t) => {
  const a = webApp({ id: 'blog', services: { db: { image: 'r.example/db:1', healthcheck: undefined, restart: 'always' } } });
  const b = webApp({ id: 'wiki' });
  const cur = converged(a);
  const curB = converged(b);
  const p = planFor(targetOf(record(a), record(b)), {
    containers: [...cur.containers, ...curB.containers],
    networks: [...cur.networks, ...curB.networks],
    images: imagesOf(a, b),
  });
  t.same(p, { steps: [], waits: [] });
});

t.test('plans are deterministic: the same inputs give the same plan', async (t) => {
  const m = webApp({ id: 'shop', services: { b: {}, a: {}, c: {} } });
  const cur = { containers: [], networks: ['shop'], images: imagesOf(m) };
  const first = planFor(targetOf(record(m)), cur);
  t.same(kinds(first.steps), ['createContainer', 'createContainer', 'createContainer', 'createContainer']);
  t.same(
    first.steps.map((s) => (s.kind === 'createContainer' ? s.service : '')),
    ['a', 'b', 'c', 'web'],
    'services in name order when none depends on another',
  );
  t.same(planFor(targetOf(record(m)), cur), first);
});

const ORDER_A = `
name: notes
x-hearth:
  id: notes
  name: Notes
  version: 1.0.0
  routes:
    notes: web:80
services:
  web:
    image: localhost/hearth/busybox:latest
    command: ["httpd", "-f", "-p", "80"]
    environment:
      B_SETTING: two
      A_SETTING: one
    restart: unless-stopped
    healthcheck:
      test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1/"]
      interval: 5s
      retries: 3
`;

// Same app: top-level and service keys in another order, environment as a list in another order.
const ORDER_B = `
services:
  web:
    healthcheck:
      retries: 3
      interval: 5s
      test: ["CMD", "wget", "-q", "-O-", "http://127.0.0.1/"]
    restart: unless-stopped
    environment:
      - A_SETTING=one
      - B_SETTING=two
    command: ["httpd", "-f", "-p", "80"]
    image: localhost/hearth/busybox:latest
x-hearth:
  routes:
    notes: web:80
  version: 1.0.0
  name: Notes
  id: notes
name: notes
`;

function parsed(text: string): AppManifest {
  const r = parseAppFile(text);
  if (!r.ok) throw new Error(`fixture does not parse: ${JSON.stringify(r.issues)}`);
  return r.manifest;
}

t.test('key order and env list-vs-map do not change the hash: a container of one file is converged for the other', async (t) => {
  const a = parsed(ORDER_A);
  const b = parsed(ORDER_B);
  t.equal(serviceContainer(a, 'web', paths).hash, serviceContainer(b, 'web', paths).hash);
  const p = planFor(targetOf(record(b)), converged(a));
  t.same(p, { steps: [], waits: [] });
});

t.test('a change that alters the container does change the hash (control for the test above)', async (t) => {
  const a = parsed(ORDER_A);
  const c = parsed(ORDER_A.replace('A_SETTING: one', 'A_SETTING: uno'));
  t.not(serviceContainer(a, 'web', paths).hash, serviceContainer(c, 'web', paths).hash);
  const p = planFor(targetOf(record(c)), converged(a));
  t.same(kinds(p.steps), ['createContainer']);
});
