// Atomic state files and the app record store, on the real file system (a temp dir per test).
import t, { type Test } from 'tap';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJsonFile, writeFileAtomic, writeJsonAtomic } from '../../src/state/atomic-file.js';
import { AppRecordStore, type AppRecord } from '../../src/state/app-records.js';
import { webApp } from '../../../test-support/manifests.js';

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-state-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

t.test('writeFileAtomic: creates parent folders, replaces content, leaves no temp files', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'nested', 'deeper', 'file.txt');
  await writeFileAtomic(path, 'one');
  await writeFileAtomic(path, Buffer.from('two'));
  t.equal(await readFile(path, 'utf8'), 'two');
  t.same(await readdir(join(dir, 'nested', 'deeper')), ['file.txt']);
});

t.test('writeFileAtomic: mode 0600 honoured, also when replacing a 0644 file', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'secret.key');
  await writeFile(path, 'old', { mode: 0o644 });
  await chmod(path, 0o644);
  await writeFileAtomic(path, 'new secret', { mode: 0o600 });
  t.equal((await stat(path)).mode & 0o777, 0o600);
  const plain = join(dir, 'plain.json');
  await writeFileAtomic(plain, '{}');
  const reference = join(dir, 'reference');
  await writeFile(reference, '', { mode: 0o644 });
  t.equal((await stat(plain)).mode & 0o777, (await stat(reference)).mode & 0o777, 'default mode is 0644 (minus the umask)');
});

t.test('writeFileAtomic: a failed rename leaves the target as it was and no temp file', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'blocked');
  await mkdir(path);
  await writeFile(join(path, 'inside'), 'x');
  await t.rejects(writeFileAtomic(path, 'data'));
  t.same((await readdir(dir)).sort(), ['blocked']);
  t.same(await readdir(path), ['inside']);
});

t.test('writeFileAtomic: a failed write leaves no temp file', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'f.json');
  await writeFileAtomic(path, 'kept');
  // Not a string or bytes: the write itself throws after the temp file was opened.
  await t.rejects(writeFileAtomic(path, 42 as unknown as string));
  t.same(await readdir(dir), ['f.json']);
  t.equal(await readFile(path, 'utf8'), 'kept');
});

t.test('writeJsonAtomic / readJsonFile: round trip; missing → undefined; corrupt → error naming the file', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'state.json');
  t.equal(await readJsonFile(path), undefined);
  await writeJsonAtomic(path, { a: [1, 'two', null] }, { mode: 0o600 });
  t.same(await readJsonFile(path), { a: [1, 'two', null] });
  t.equal((await stat(path)).mode & 0o777, 0o600);
  t.match(await readFile(path, 'utf8'), /\n$/);
  await writeFile(path, '{"a": [1, ');
  await t.rejects(readJsonFile(path), { message: new RegExp(`^${path}: not valid JSON`) });
  await t.rejects(readJsonFile(dir), { code: 'EISDIR' });
});

function rec(id: string, version = '1.0.0'): AppRecord {
  return { manifest: webApp({ id, version }), desired: 'running', installedAt: 1_000 };
}

t.test('AppRecordStore: starts empty without a file; persists and reloads', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'state', 'apps.json');
  const store = new AppRecordStore(path);
  await store.load();
  t.same(store.snapshot(), { apps: {} });
  await store.update((s) => {
    s.apps.wiki = rec('wiki');
    s.apps.blog = rec('blog');
  });
  await store.update((s) => {
    const blog = s.apps.blog as AppRecord;
    blog.desired = 'stopped';
    blog.update = { from: '1.0.0', to: '2.0.0', startedAt: 5, snapshot: '/snap' };
  });
  const again = new AppRecordStore(path);
  await again.load();
  t.same(again.snapshot(), store.snapshot());
  t.same(again.ids(), ['blog', 'wiki']);
  t.equal(again.get('blog')?.desired, 'stopped');
  t.same(again.get('blog')?.update, { from: '1.0.0', to: '2.0.0', startedAt: 5, snapshot: '/snap' });
  t.same(again.get('blog')?.manifest, webApp({ id: 'blog' }));
  t.equal(again.get('nope'), undefined);
  t.same(JSON.parse(await readFile(path, 'utf8')).version, 1);
  t.same(await readdir(join(dir, 'state')), ['apps.json'], 'no temp files');
});

t.test('AppRecordStore: get and snapshot are copies', async (t) => {
  const dir = await tempDir(t);
  const store = new AppRecordStore(join(dir, 'apps.json'));
  await store.update((s) => void (s.apps.blog = rec('blog')));
  const got = store.get('blog') as AppRecord;
  got.desired = 'stopped';
  store.snapshot().apps.blog!.desired = 'stopped';
  t.equal(store.get('blog')?.desired, 'running');
});

t.test('AppRecordStore: a change that throws leaves the state as it was', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'apps.json');
  const store = new AppRecordStore(path);
  await store.update((s) => void (s.apps.blog = rec('blog')));
  const before = await readFile(path, 'utf8');
  await t.rejects(
    store.update((s) => {
      s.apps.wiki = rec('wiki');
      throw new Error('changed my mind');
    }),
    /changed my mind/,
  );
  t.same(store.ids(), ['blog']);
  t.equal(await readFile(path, 'utf8'), before);
});

t.test('AppRecordStore: a failed write leaves the old state, in memory and on disk; later writes still work', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'apps.json');
  const store = new AppRecordStore(path);
  await store.update((s) => void (s.apps.blog = rec('blog')));
  const before = await readFile(path, 'utf8');
  // Serialisation fails (BigInt) before anything is written.
  await t.rejects(store.update((s) => void ((s.apps.blog as AppRecord).installedAt = 1n as unknown as number)), /BigInt/);
  t.equal(store.get('blog')?.installedAt, 1_000);
  t.equal(await readFile(path, 'utf8'), before);
  // The file system refuses the rename (the state file path became a non-empty directory).
  const blockedPath = join(dir, 'blocked.json');
  const blocked = new AppRecordStore(blockedPath);
  await mkdir(join(blockedPath, 'x'), { recursive: true });
  await t.rejects(blocked.update((s) => void (s.apps.blog = rec('blog'))));
  t.same(blocked.snapshot(), { apps: {} }, 'memory not changed by a write that failed');
  t.same((await readdir(dir)).sort(), ['apps.json', 'blocked.json'], 'no temp files left');
  await store.update((s) => void (s.apps.wiki = rec('wiki')));
  t.same(store.ids(), ['blog', 'wiki'], 'the queue goes on after a failure');
});

t.test('AppRecordStore: concurrent updates are applied one after another, none lost', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'apps.json');
  const store = new AppRecordStore(path);
  const ids = Array.from({ length: 12 }, (_, i) => `app${i}`);
  await Promise.all(ids.map((id) => store.update((s) => void (s.apps[id] = rec(id)))));
  t.same(store.ids(), [...ids].sort());
  const again = new AppRecordStore(path);
  await again.load();
  t.same(again.ids(), [...ids].sort());
});

t.test('AppRecordStore: a damaged or foreign file is refused with its path, not reset', async (t) => {
  const dir = await tempDir(t);
  const cases: Array<[string, RegExp]> = [
    ['{"version": 1, "apps": ', /not valid JSON/],
    ['{"version": 2, "apps": {}}', /not a Hearth state file \(\/version/],
    ['{"version": 1, "apps": {"blog": {"desired": "running", "installedAt": 1}}}', /not a Hearth state file \(\/apps\/blog\/manifest/],
    ['{"version": 1, "apps": {"blog": {"manifest": {"id": "blog", "version": "1", "services": {}}, "desired": "paused", "installedAt": 1}}}', /\/apps\/blog\/desired/],
    ['[]', /not a Hearth state file/],
  ];
  for (const [i, [text, why]] of cases.entries()) {
    const path = join(dir, `apps-${i}.json`);
    await writeFile(path, text);
    const store = new AppRecordStore(path);
    await t.rejects(store.load(), { message: new RegExp(`^${path}: [\\s\\S]*${why.source}`) }, text);
    t.equal(await readFile(path, 'utf8'), text, 'the damaged file is left for inspection');
  }
});
