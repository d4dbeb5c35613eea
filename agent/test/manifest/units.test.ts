// The small pure parsers under the manifest: durations, sizes, command splitting, image references, cycles, paths.
import t from 'tap';
import { splitCommand } from '../../src/manifest/command.js';
import { findDependencyCycles } from '../../src/manifest/dependencies.js';
import { normaliseImageRef } from '../../src/manifest/image-ref.js';
import { formatPath } from '../../src/manifest/issues.js';
import { parseDuration, parseSize } from '../../src/manifest/units.js';

t.test('durations', async (t) => {
  const good: [string, number][] = [['10s', 10_000], ['250ms', 250], ['1m30s', 90_000], ['1.5s', 1500], ['2h', 7_200_000], ['1000us', 1], ['1000µs', 1], ['0s', 0], ['1h1m1s1ms', 3_661_001]];
  for (const [text, ms] of good) t.same(parseDuration(text), { ok: true, value: ms }, text);
  for (const bad of ['', '10', 's', '5 seconds', '-1s', '1d', '1.s', '10s5']) {
    const parsed = parseDuration(bad);
    t.equal(parsed.ok, false, `"${bad}" refused`);
  }
  t.match(parseDuration('1500us'), { ok: false, reason: /whole number of milliseconds/ });
});

t.test('sizes', async (t) => {
  const good: [string | number, number][] = [['256m', 256 * 2 ** 20], ['256M', 256 * 2 ** 20], ['256mb', 256 * 2 ** 20], ['1g', 2 ** 30], ['1GiB', 2 ** 30],
    ['512k', 512 * 1024], ['1048576', 1_048_576], [1048576, 1_048_576], ['0.5g', 2 ** 29], ['100b', 100]];
  for (const [text, bytes] of good) t.same(parseSize(text), { ok: true, value: bytes }, String(text));
  for (const bad of ['', 'lots', '1x', '-5m', '1 2m']) t.equal(parseSize(bad).ok, false, `"${bad}" refused`);
  t.equal(parseSize(-1).ok, false);
  t.equal(parseSize(1.5).ok, false);
});

t.test('command splitting', async (t) => {
  const good: [string, string[]][] = [
    ['httpd -f -p 80', ['httpd', '-f', '-p', '80']],
    [`sh -c 'echo "a b"; exit 1'`, ['sh', '-c', 'echo "a b"; exit 1']],
    ['echo "say \\"hi\\"" x\\ y', ['echo', 'say "hi"', 'x y']],
    ["  spaced   out  ", ['spaced', 'out']],
    ["empty '' arg", ['empty', '', 'arg']],
    ['', []],
    ['a"b c"d', ['ab cd']],
  ];
  for (const [text, words] of good) t.same(splitCommand(text), { ok: true, value: words }, text);
  t.match(splitCommand('echo "open'), { ok: false, reason: /unterminated double quote/ });
  t.match(splitCommand('echo \\'), { ok: false, reason: /lone backslash/ });
});

t.test('image references', async (t) => {
  const good: [string, string][] = [
    ['busybox', 'busybox:latest'], ['busybox:1.36', 'busybox:1.36'], ['localhost/hearth/busybox:latest', 'localhost/hearth/busybox:latest'],
    ['127.0.0.1:5000/team/app', '127.0.0.1:5000/team/app:latest'], ['ghcr.io/owner/repo-name_x:v1.2.3-rc.1', 'ghcr.io/owner/repo-name_x:v1.2.3-rc.1'],
    [`nginx@sha256:${'a'.repeat(64)}`, `nginx@sha256:${'a'.repeat(64)}`], [`nginx:1.27@sha256:${'b'.repeat(64)}`, `nginx:1.27@sha256:${'b'.repeat(64)}`],
    ['Registry.Example.com/app', 'Registry.Example.com/app:latest'],
  ];
  for (const [text, normal] of good) t.same(normaliseImageRef(text), { ok: true, value: normal }, text);
  for (const bad of ['', 'UPPER', 'a b', 'app:', ':tag', 'app:-bad', 'app@sha256:xyz', 'a//b', '-app', 'app/', `app:${'t'.repeat(129)}`]) {
    t.equal(normaliseImageRef(bad).ok, false, `"${bad}" refused`);
  }
  t.match(normaliseImageRef(`${'a'.repeat(256)}:1`), { ok: false, reason: /longer than 255/ });
});

t.test('dependency cycles', async (t) => {
  t.same(findDependencyCycles({ a: ['b'], b: ['c'], c: [] }), []);
  t.same(findDependencyCycles({ a: ['b'], b: ['a'] }), [['a', 'b', 'a']]);
  t.same(findDependencyCycles({ a: ['b'], b: ['c'], c: ['a'], d: ['d'] }), [['a', 'b', 'c', 'a'], ['d', 'd']]);
  t.same(findDependencyCycles({ a: ['missing'] }), [], 'unknown names are reported elsewhere, not as cycles');
});

t.test('issue paths', async (t) => {
  t.equal(formatPath([]), '');
  t.equal(formatPath(['services', 'web', 'volumes', 1, 'source']), 'services.web.volumes[1].source');
  t.equal(formatPath(['x-hearth', 'routes', '@']), 'x-hearth.routes.@');
  t.equal(formatPath(['volumes', 'my data']), 'volumes["my data"]');
  t.equal(formatPath(['services', 'web', 'sysctls', 'net.ipv4.ip_forward']), 'services.web.sysctls["net.ipv4.ip_forward"]');
});
