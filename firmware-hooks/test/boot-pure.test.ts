// Pure pieces: the simulated systemd-boot choice, kernel command line parsing, loader.conf rewriting,
// config.txt/cmdline.txt rendering, and adapter detection from what is on the partitions.
import t from 'tap';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { slotFromCmdline } from '../src/boot/cmdline.js';
import { BootConfigError } from '../src/boot/contract.js';
import { detectAdapter } from '../src/detect.js';
import { DirectoryEsp } from '../src/esp/dir-esp.js';
import { renderCmdlineTxt, renderConfigTxt } from '../src/rpi/config-txt.js';
import { loaderChoice } from '../src/systemd-boot/decide.js';
import { renderEntry } from '../src/systemd-boot/layout.js';
import { parseEntryName, parseLoaderConf, withDefault, type EntryName } from '../src/systemd-boot/names.js';
import { silentLogger } from './helpers/logger.js';

const name = (f: string) => parseEntryName(f, (x) => x) as EntryName;

t.test('systemd-boot choice: the trial entry sorts first in both directions, falls back when exhausted', async (t) => {
  const glob = { kind: 'trial-glob' } as const;
  t.equal(loaderChoice({ A: name('hearth-a.conf'), B: name('hearth-trial-b+3.conf') }, glob), 'B');
  t.equal(loaderChoice({ A: name('hearth-trial-a+2-1.conf'), B: name('hearth-b.conf') }, glob), 'A');
  t.equal(loaderChoice({ A: name('hearth-trial-a+0-3.conf'), B: name('hearth-b.conf') }, glob), 'B');
  t.equal(loaderChoice({ A: name('hearth-a.conf'), B: name('hearth-trial-b+3.conf') }, glob, true), 'A', 'primary = fallback');
  t.equal(loaderChoice({ A: name('hearth-a.conf'), B: name('hearth-b.conf') }, { kind: 'slot', slot: 'A' }), 'A');
  t.equal(loaderChoice({ A: name('hearth-a.conf'), B: name('hearth-b.conf') }, glob), 'B', 'interrupted commit: id order');
  t.equal(parseEntryName('other-os.conf', (x) => x), null, 'other loaders\' entries are ignored');
  t.throws(() => parseEntryName('hearth-a+x.conf', (x) => `/esp/${x}`), { name: 'BootConfigError', message: /^\/esp\/hearth-a\+x\.conf: / });
});

t.test('loader.conf default rewrite keeps the other lines', async (t) => {
  const conf = parseLoaderConf('# hearth\ntimeout 0\ndefault hearth-a.conf\neditor no\n', 'loader.conf');
  t.equal(withDefault(conf, { kind: 'trial-glob' }), '# hearth\ntimeout 0\ndefault hearth-*\neditor no\n');
  t.throws(() => parseLoaderConf('default\n', 'x/loader.conf'), BootConfigError);
});

t.test('kernel command line', async (t) => {
  t.equal(slotFromCmdline('quiet hearth.slot=A hearth.slot=B', 'f'), 'B', 'last one wins');
  t.equal(slotFromCmdline('root=PARTLABEL=root-a', 'f'), 'A');
  t.throws(() => slotFromCmdline('hearth.slot=a', '/proc/cmdline'), { file: '/proc/cmdline', message: /unknown slot "a"/ });
});

t.test('entry, config.txt and cmdline.txt rendering', async (t) => {
  t.equal(
    renderEntry({ slot: 'B', linux: '/b/vmlinuz', initrd: ['/b/initrd'], options: 'ro' }),
    'title Hearth (slot B)\nlinux /b/vmlinuz\ninitrd /b/initrd\noptions ro hearth.slot=B\n',
  );
  t.throws(() => renderEntry({ slot: 'A', linux: '/a', options: 'hearth.slot=B' }));
  const cfg = renderConfigTxt({ slot: 'A', extra: ['dtoverlay=disable-bt'] });
  t.match(cfg, /^arm_64bit=1$/m);
  t.match(cfg, /^kernel=vmlinuz$/m);
  t.match(cfg, /^initramfs initrd\.img followkernel$/m);
  t.match(cfg, /^dtoverlay=disable-bt$/m);
  t.throws(() => renderConfigTxt({ slot: 'A', extra: ['a\nb'] }));
  t.equal(renderCmdlineTxt({ slot: 'B' }), 'console=serial0,115200 console=tty1 root=PARTLABEL=root-b rootwait hearth.slot=B\n');
  t.throws(() => renderCmdlineTxt({ slot: 'A', extra: ['two words'] }));
});

t.test('detectAdapter picks by what exists', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'hearth-detect-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const empty = join(base, 'empty');
  const esp = join(base, 'esp');
  const pi = join(base, 'pi');
  await mkdir(empty);
  await mkdir(join(esp, 'loader'), { recursive: true });
  await writeFile(join(esp, 'loader', 'loader.conf'), 'default hearth-a.conf\n');
  await mkdir(pi);
  await writeFile(join(pi, 'autoboot.txt'), '[all]\n');
  const log = silentLogger();
  t.equal((await detectAdapter({ candidates: [new DirectoryEsp(empty), new DirectoryEsp(esp)] }, log)).kind, 'systemd-boot');
  t.equal((await detectAdapter({ candidates: [new DirectoryEsp(pi), new DirectoryEsp(esp)] }, log)).kind, 'rpi-tryboot');
  await t.rejects(detectAdapter({ candidates: [new DirectoryEsp(empty)] }, log), { message: /no supported boot loader.*empty/ });
});
