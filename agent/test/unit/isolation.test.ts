// The app-isolation firewall: the nft ruleset is a pure function of the apps' subnets, and the edge applies it only
// when it changes (and keeps retrying after a failure). The real nft is exercised by api-sandbox.test.ts.
import t from 'tap';
import pino from 'pino';
import { AppIsolation, isolationRuleset, isolationTableName } from '../../src/firewall/isolation.js';

t.test('one drop rule per app: from its subnets to every other app subnet', async (t) => {
  const s = isolationRuleset('hearth_device', { b: ['10.89.2.0/24'], a: ['10.89.1.0/24', 'fd00::/64'], c: ['10.89.3.0/24'] });
  t.match(s, /^table inet hearth_device\ndelete table inet hearth_device\ntable inet hearth_device \{/, 'replaced in one transaction');
  t.match(s, /type filter hook forward priority filter - 10; policy accept;/);
  t.match(s, 'ip saddr { 10.89.1.0/24 } ip daddr { 10.89.2.0/24, 10.89.3.0/24 } drop comment "app a"');
  t.match(s, 'ip saddr { 10.89.2.0/24 } ip daddr { 10.89.1.0/24, 10.89.3.0/24 } drop comment "app b"');
  t.notMatch(s, 'fd00::', 'IPv6 subnets are not mixed into ip rules');
  t.equal(s, isolationRuleset('hearth_device', { c: ['10.89.3.0/24'], a: ['fd00::/64', '10.89.1.0/24'], b: ['10.89.2.0/24'] }), 'deterministic');
  t.notMatch(isolationRuleset('x', { only: ['10.89.1.0/24'] }), /drop/, 'a single app needs no rule');
  t.equal(isolationTableName('test-123-ab.c'), 'hearth_test_123_ab_c');
});

t.test('the edge applies changes only, and retries after a failure', async (t) => {
  const scripts: string[] = [];
  let fail = true;
  const iso = new AppIsolation('device', pino({ level: 'silent' }), async (script) => {
    scripts.push(script);
    if (fail) throw new Error('nft: Operation not permitted');
  });
  const nets = { a: ['10.89.1.0/24'], b: ['10.89.2.0/24'] };
  await iso.sync(nets);
  fail = false;
  await iso.sync(nets);
  await iso.sync(nets);
  t.equal(scripts.length, 2, 'retried once after the failure, then nothing to do');
  await iso.sync({ ...nets, c: ['10.89.3.0/24'] });
  t.equal(scripts.length, 3, 'a new app network is applied');
});
