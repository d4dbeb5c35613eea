// The boot partition's hearth-config.json: only relay/tls/catalog, paths relative to the file, and a bad file is
// reported with its field and ignored as a whole (never a half-applied configuration).
import t from 'tap';
import { mkdtemp, rm, writeFile, mkdir, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyBootConfig, readBootConfig } from '../../src/boot-config.js';
import { parseConfig } from '../../src/config.js';

const base = parseConfig({ deviceDomain: 'hearth.local', dataDir: '/data/hearth' });

t.test('relay, tls and catalog are laid over the image configuration; file names are relative to the file', async (t) => {
  const r = applyBootConfig(base, {
    relay: { urls: ['tls://relay.example:9443'], zone: 'hearth.example', caFile: 'relay-ca.pem' },
    tls: { acmeDirectoryUrl: 'https://acme.example/dir', acmeCaFile: '/etc/ssl/acme.pem' },
  }, '/boot/firmware/hearth-config.json');
  if (r.kind !== 'applied') throw new Error(JSON.stringify(r));
  t.same(r.sections.sort(), ['relay', 'tls']);
  t.equal(r.config.relay?.caFile, '/boot/firmware/relay-ca.pem', 'relative to the boot partition');
  t.equal(r.config.tls?.acmeCaFile, '/etc/ssl/acme.pem', 'absolute stays');
  t.equal(r.config.tls?.localPort, 443, 'section defaults filled');
  t.equal(r.config.deviceDomain, 'hearth.local', 'the rest comes from the image');
  t.notOk('caFile' in (base.relay ?? {}), 'base not mutated');
});

t.test('anything else is refused with the field named, and nothing is applied', async (t) => {
  const cases: [unknown, RegExp][] = [
    [{ dataDir: '/tmp/evil' }, /dataDir/],
    [{ relay: { urls: ['http://relay'], zone: 'z' } }, /\/relay\/urls\/0/],
    [{ relay: { urls: ['tls://r:1'] } }, /\/relay\/zone/],
    [{ tls: { localPort: 70000 } }, /\/tls\/localPort/],
    [[1, 2], /\//],
  ];
  for (const [raw, re] of cases) {
    const r = applyBootConfig(base, raw, '/boot/firmware/hearth-config.json');
    t.equal(r.kind, 'rejected', JSON.stringify(raw));
    if (r.kind === 'rejected') {
      t.match(r.reason, re);
      t.match(r.reason, /hearth-config\.json/, 'names the file');
    }
  }
});

t.test('reading: absent, bad JSON, unreadable, good', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-bootcfg-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  t.same(await readBootConfig(base, join(dir, 'missing.json')), { kind: 'absent' });
  t.same(await readBootConfig(base, join(dir, 'missing', 'x.json')), { kind: 'absent' });
  const bad = join(dir, 'bad.json');
  await writeFile(bad, '{"relay": ');
  const b = await readBootConfig(base, bad);
  t.equal(b.kind, 'rejected');
  if (b.kind === 'rejected') t.match(b.reason, /not valid JSON/);
  const folder = join(dir, 'folder.json');
  await mkdir(folder);
  const f = await readBootConfig(base, folder);
  t.match(f, { kind: 'rejected', reason: /cannot be read \(EISDIR\)/ });
  const good = join(dir, 'hearth-config.json');
  await writeFile(good, JSON.stringify({ catalog: { url: 'https://apps.example/catalog.json', publicKey: 'abc' } }));
  await chmod(good, 0o600);
  const g = await readBootConfig(base, good);
  t.equal(g.kind, 'applied');
  if (g.kind === 'applied') t.equal(g.config.catalog?.url, 'https://apps.example/catalog.json');
});
