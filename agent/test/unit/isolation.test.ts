// The app-isolation firewall: the nft ruleset is a pure function of the apps' networks and LAN permissions, and the
// edge applies it only when it changes (retrying after a failure). The real nft is exercised by api-sandbox.test.ts
// (apps apart) and app-lan.test.ts (the LAN permission).
import t from 'tap';
import pino from 'pino';
import { AppIsolation, isolationRuleset, isolationTableName } from '../../src/firewall/isolation.js';

const net = (subnets: string[], lan = false) => ({ subnets, lan });

t.test('per app: a drop to every other app subnet, and to LAN ranges unless permitted', async (t) => {
  const s = isolationRuleset('hearth_device', { b: net(['10.89.2.0/24'], true), a: net(['10.89.1.0/24', 'fd00::/64']), c: net(['10.89.3.0/24']) });
  t.match(s, /^table inet hearth_device\ndelete table inet hearth_device\ntable inet hearth_device \{/, 'replaced in one transaction');
  t.match(s, /type filter hook forward priority filter - 10; policy accept;/);
  t.match(s, 'ip saddr { 10.89.1.0/24 } ip daddr { 10.89.2.0/24, 10.89.3.0/24 } ct state new drop comment "app a: other apps"');
  t.match(s, 'ip saddr { 10.89.2.0/24 } ip daddr { 10.89.1.0/24, 10.89.3.0/24 } ct state new drop comment "app b: other apps"');
  t.match(s, 'ip saddr { 10.89.1.0/24 } ip daddr != { 10.89.1.0/24 } ip daddr { 10.0.0.0/8, 100.64.0.0/10, 169.254.0.0/16, 172.16.0.0/12, 192.168.0.0/16 } ct state new drop comment "app a: no LAN"');
  t.notMatch(s, 'app b: no LAN', 'b has the LAN permission');
  t.notMatch(s, 'fd00::', 'IPv6 subnets are not mixed into ip rules');
  t.equal(s, isolationRuleset('hearth_device', { c: net(['10.89.3.0/24']), a: net(['fd00::/64', '10.89.1.0/24']), b: net(['10.89.2.0/24'], true) }), 'deterministic');
  t.notMatch(isolationRuleset('x', { only: net(['10.89.1.0/24'], true) }), /drop/, 'a single app with LAN access needs no rule');
  t.equal(isolationTableName('test-123-ab.c'), 'hearth_test_123_ab_c');
});

t.test('the edge applies changes only, and retries after a failure', async (t) => {
  const scripts: string[] = [];
  let fail = true;
  const iso = new AppIsolation('device', pino({ level: 'silent' }), async (script) => {
    scripts.push(script);
    if (fail) throw new Error('nft: Operation not permitted');
  });
  const nets = { a: net(['10.89.1.0/24']), b: net(['10.89.2.0/24']) };
  await iso.sync(nets);
  fail = false;
  await iso.sync(nets);
  await iso.sync(nets);
  t.equal(scripts.length, 2, 'retried once after the failure, then nothing to do');
  await iso.sync({ ...nets, c: net(['10.89.3.0/24']) });
  t.equal(scripts.length, 3, 'a new app network is applied');
  await iso.sync({ ...nets, c: net(['10.89.3.0/24'], true) });
  t.equal(scripts.length, 4, 'a permission change is applied');
});
