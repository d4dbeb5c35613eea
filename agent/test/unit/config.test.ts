// Agent configuration: defaults for everything, and errors that name the bad field and the file.
import t from 'tap';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig } from '../../src/config.js';

const DEFAULTS = {
  dataDir: '/data/hearth',
  deviceDomain: 'hearth.local',
  engine: { socketPath: '/run/podman/podman.sock', scope: 'device' },
  api: { socketPath: '/run/hearth/agent.sock' },
  ingress: { host: '0.0.0.0', port: 80 },
  pairing: { secretFile: '/boot/firmware/hearth-pairing-secret', resetMarker: '/boot/firmware/hearth-reset-pairing' },
  reconcileIntervalMs: 5_000,
  diskReserveMb: 256,
  stopTimeoutSeconds: 10,
  maxUpdateFailures: 3,
  logLevel: 'info',
};

t.test('defaults: a bare device needs no configuration', async (t) => {
  t.same(parseConfig({}), DEFAULTS);
  t.same(parseConfig(undefined), DEFAULTS);
  t.same(parseConfig(null), DEFAULTS);
});

t.test('given fields win, nested defaults still fill the rest; the input is not mutated', async (t) => {
  const raw = { deviceDomain: 'abc.hearth.example', ingress: { port: 8080 }, api: { tcp: { host: '127.0.0.1', port: 0 } }, logLevel: 'debug' };
  const before = structuredClone(raw);
  const c = parseConfig(raw);
  t.equal(c.deviceDomain, 'abc.hearth.example');
  t.same(c.ingress, { host: '0.0.0.0', port: 8080 });
  t.same(c.api, { socketPath: '/run/hearth/agent.sock', tcp: { host: '127.0.0.1', port: 0 } });
  t.equal(c.logLevel, 'debug');
  t.same(raw, before);
});

t.test('a bad field is named, with the source', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [{ ingress: { port: 70_000 } }, /\/ingress\/port/],
    [{ reconcileIntervalMs: 10 }, /\/reconcileIntervalMs/],
    [{ maxUpdateFailures: 0 }, /\/maxUpdateFailures/],
    [{ deviceDomain: 'Bad Domain!' }, /\/deviceDomain/],
    [{ logLevel: 'verbose' }, /\/logLevel/],
    [{ engine: { socketPath: 42 } }, /\/engine\/socketPath/],
    [{ dataDir: ['x'] }, /\/dataDir/],
    [{ engine: { scope: 'has space' } }, /\/engine\/scope/],
    [{ api: { tcp: { host: 'localhost' } } }, /\/api\/tcp/],
  ];
  for (const [raw, field] of cases) {
    t.throws(() => parseConfig(raw, '/etc/hearth/agent.json'), { message: field }, JSON.stringify(raw));
    t.throws(() => parseConfig(raw, '/etc/hearth/agent.json'), { message: /^\/etc\/hearth\/agent\.json is not a valid agent configuration/ });
  }
});

t.test('unknown fields are refused (a typo must not be silently ignored)', async (t) => {
  t.throws(() => parseConfig({ datadir: '/x' }), { message: /\/datadir: Unexpected property/ });
  t.throws(() => parseConfig({ ingress: { prot: 80 } }), { message: /\/ingress\/prot: Unexpected property/ });
});

t.test('not an object at all is refused', async (t) => {
  t.throws(() => parseConfig('hello', 'cfg.json'), /cfg\.json is not a valid agent configuration/);
  t.throws(() => parseConfig([1], 'cfg.json'), /cfg\.json is not a valid agent configuration/);
});

t.test('loadConfig: missing file → defaults; a file → parsed; bad JSON or bad field → error naming the file', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  t.same(await loadConfig(join(dir, 'absent.json')), DEFAULTS);
  const good = join(dir, 'good.json');
  await writeFile(good, JSON.stringify({ dataDir: '/srv/hearth' }));
  t.equal((await loadConfig(good)).dataDir, '/srv/hearth');
  const broken = join(dir, 'broken.json');
  await writeFile(broken, '{"dataDir": ');
  await t.rejects(loadConfig(broken), { message: new RegExp(`^${broken}: not valid JSON`) });
  const bad = join(dir, 'bad.json');
  await writeFile(bad, JSON.stringify({ ingress: { port: -1 } }));
  await t.rejects(loadConfig(bad), { message: new RegExp(`^${bad} is not a valid agent configuration[\\s\\S]*/ingress/port`) });
  const isDir = join(dir, 'a-directory');
  await mkdir(isDir);
  await t.rejects(loadConfig(isDir), { code: 'EISDIR' }, 'other read errors are not mistaken for "no file"');
});
