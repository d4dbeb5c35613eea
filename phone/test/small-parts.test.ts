// App links, routes and number formats.
import t from 'tap';
import { openableUrl } from '../src/lib/app-link.js';
import { formatBytes, formatUptime, phaseLabel } from '../src/lib/format.js';
import { resolveRoute } from '../src/router.js';

t.test('Open keeps the page port for apps of this device', async (t) => {
  const page = { protocol: 'http:', hostname: 'dev.hearth.test', port: '38123' };
  t.equal(openableUrl('http://tiny.dev.hearth.test/', page), 'http://tiny.dev.hearth.test:38123/');
  t.equal(openableUrl('https://tiny.dev.hearth.test/x?y=1', page), 'http://tiny.dev.hearth.test:38123/x?y=1', 'same scheme as the page');
  t.equal(openableUrl('https://dev.hearth.test/', page), 'http://dev.hearth.test:38123/');
  t.equal(openableUrl('https://tiny.other.test/', page), 'https://tiny.other.test/', 'other hosts untouched');
  t.equal(openableUrl('https://evil-dev.hearth.test/', page), 'https://evil-dev.hearth.test/', 'suffix must be a whole label');
  t.equal(openableUrl('https://tiny.dev.hearth.test:8443/', page), 'https://tiny.dev.hearth.test:8443/', 'an explicit port stays');
  t.equal(openableUrl('https://tiny.dev.hearth.test/', { protocol: 'https:', hostname: 'dev.hearth.test', port: '' }), 'https://tiny.dev.hearth.test/', 'default port: unchanged');
  t.equal(openableUrl('not a url', page), 'not a url');
});

t.test('routes', async (t) => {
  t.match(resolveRoute('', false), { screen: 'pair', route: '/pair' });
  t.match(resolveRoute('#/apps', false), { screen: 'pair' }, 'unpaired phones only see Pair');
  t.match(resolveRoute('#/apps', true), { screen: 'apps', route: '/apps' });
  t.match(resolveRoute('#/nope', true), { screen: 'device' });
  t.match(resolveRoute('', true), { screen: 'device' });
  const r = resolveRoute('#/pair?link=hearth%3A%2F%2Fpair%3Fv%3D1', true);
  t.equal(r.screen, 'pair');
  t.equal(r.query.get('link'), 'hearth://pair?v=1');
});

t.test('formats', async (t) => {
  t.equal(formatBytes(0), '0 bytes');
  t.equal(formatBytes(999), '999 bytes');
  t.equal(formatBytes(1500), '1.5 KB');
  t.equal(formatBytes(73_000_000_000), '73 GB');
  t.equal(formatBytes(-1), 'unknown');
  t.equal(formatBytes(Number.NaN), 'unknown');
  t.equal(formatUptime(30), 'less than a minute');
  t.equal(formatUptime(60), '1 minute');
  t.equal(formatUptime(3 * 3600 + 120), '3 hours, 2 minutes');
  t.equal(formatUptime(86400 + 3600), '1 day, 1 hour');
  t.equal(formatUptime(-5), 'less than a minute');
  t.equal(phaseLabel('crash-looping'), 'Keeps crashing');
  t.equal(phaseLabel('new-phase'), 'new-phase');
});
