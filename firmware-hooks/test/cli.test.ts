// The CLI as the image's systemd units run it: a separate node process, JSON on stdout, errors on stderr.
import t from 'tap';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshEspFiles } from '../src/systemd-boot/layout.js';
import { mtoolsBackend } from './helpers/esp-fixture.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli.ts');
const DEVICE_ID = 'mfrggzdfmztwq2lknnwg23tpob';

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const files = () =>
  freshEspFiles(
    { slot: 'A', linux: '/a/vmlinuz', options: 'root=PARTLABEL=root-a' },
    { slot: 'B', linux: '/b/vmlinuz', options: 'root=PARTLABEL=root-b' },
  );

t.test('status, mark-trial, commit, mark-bad on an ESP directory', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const esp = join(dir, 'esp');
  for (const [p, c] of Object.entries(files())) {
    await mkdir(dirname(join(esp, p)), { recursive: true });
    await writeFile(join(esp, p), c);
  }
  const cmdline = join(dir, 'cmdline');
  await writeFile(cmdline, 'hearth.slot=A\n');
  const where = ['--esp-dir', esp, '--cmdline', cmdline];

  const status = await cli('status', ...where);
  t.equal(status.code, 0, status.stderr);
  t.same(JSON.parse(status.stdout), { kind: 'systemd-boot', booted: 'A', primary: 'A', trial: null, lastBoot: 'normal' });

  const trial = await cli('mark-trial', 'b', ...where);
  t.equal(trial.code, 0, trial.stderr);
  t.match(JSON.parse(trial.stdout), { trial: { slot: 'B', triesLeft: 3 } });
  t.same((await readdir(join(esp, 'loader/entries'))).sort(), ['hearth-a.conf', 'hearth-trial-b+3.conf']);
  t.match(trial.stderr, /updating boot entries/, 'logs go to stderr');

  t.match(await cli('mark-trial', 'C', ...where), { code: 1, stderr: /slot must be A or B/ });
  t.match(await cli('mark-bad', 'A', ...where), { code: 1, stderr: /hearth-firmware: slot A is the primary/ });

  await writeFile(cmdline, 'hearth.slot=B\n');
  const commit = await cli('commit', ...where);
  t.equal(commit.code, 0, commit.stderr);
  t.match(JSON.parse(commit.stdout), { booted: 'B', primary: 'B', trial: null });

  await writeFile(join(esp, 'loader/loader.conf'), 'default something-else\n');
  const broken = await cli('status', ...where);
  t.equal(broken.code, 1);
  t.match(broken.stderr, `${join(esp, 'loader/loader.conf')}: default "something-else"`);
});

t.test('status and mark-trial on an ESP inside a disk image (mtools)', async (t) => {
  const fx = await mtoolsBackend.create(files());
  t.teardown(() => fx.cleanup());
  const cmdline = join(fx.workDir, 'cmdline');
  await writeFile(cmdline, 'hearth.slot=A\n');
  const image = `${join(fx.workDir, 'disk.img')}@@1048576`;
  const res = await cli('mark-trial', 'B', '--esp-image', image, '--cmdline', cmdline);
  t.equal(res.code, 0, res.stderr);
  t.same(await fx.esp.listFiles('loader/entries'), ['hearth-a.conf', 'hearth-trial-b+3.conf']);
  fx.fsck();
});

t.test('firstboot without growing', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-cli-fb-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'dev'));
  const root = join(dir, 'root');
  const res = await cli('firstboot', '--root', root, '--device-id', DEVICE_ID, '--no-grow', '--dev', join(dir, 'dev'));
  t.equal(res.code, 0, res.stderr);
  t.match(JSON.parse(res.stdout), { alreadyDone: false, hostname: 'hearth-mfrggzdf', grow: { action: 'skipped' } });
  t.equal(await readFile(join(root, 'etc/hostname'), 'utf8'), 'hearth-mfrggzdf\n');
  const missing = await cli('firstboot', '--root', join(dir, 'r2'), '--device-id-file', join(dir, 'nope'), '--no-grow');
  t.match(missing, { code: 1, stderr: /nope: cannot read the device ID/ });
});

t.test('hostname: the running system is named after the published device ID; a bad ID changes nothing', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const kernel = join(dir, 'kernel-hostname');
  const idFile = join(dir, 'device-id');
  await writeFile(kernel, 'hearth\n');
  await writeFile(idFile, `${DEVICE_ID}\n`);
  const ok = await cli('hostname', '--device-id-file', idFile, '--kernel-hostname', kernel);
  t.equal(ok.code, 0, ok.stderr);
  t.same(JSON.parse(ok.stdout), { hostname: 'hearth-mfrggzdf', previous: 'hearth' });
  t.equal(await readFile(kernel, 'utf8'), 'hearth-mfrggzdf');

  await writeFile(idFile, 'not-an-id\n');
  await writeFile(kernel, 'hearth\n');
  const bad = await cli('hostname', '--device-id-file', idFile, '--kernel-hostname', kernel);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /device ID must be 26 characters/);
  t.equal(await readFile(kernel, 'utf8'), 'hearth\n', 'unchanged');
  const missing = await cli('hostname', '--device-id-file', join(dir, 'nope'), '--kernel-hostname', kernel);
  t.match(missing.stderr, /nope: cannot read the device ID/);
});
