import t from 'tap';
import { buildPairingUrl, parsePairingUrl } from '../../src/pairing/pairing-url.js';
import { renderPairingQr } from '../../src/pairing/qr-render.js';
import { decideAttempt, initialLimitState, AttemptLimiter, type LimitConfig } from '../../src/pairing/rate-limit.js';

const deviceId = 'abcdefghijklmnopqrstuvwxyz';
const secret = new Uint8Array(16).map((_, i) => i * 7);

t.test('pairing URL round trip and validation', async (t) => {
  const url = buildPairingUrl({ deviceId, relay: 'relay.example:443', secret });
  t.match(url, /^hearth:\/\/pair\?v=1&d=abcdefghijklmnopqrstuvwxyz&r=relay.example%3A443&s=/);
  t.same(parsePairingUrl(url), { deviceId, relay: 'relay.example:443', secret });
  const inv = parsePairingUrl(buildPairingUrl({ deviceId, relay: '127.0.0.1:8443', secret, inviteId: 'AAAAAAAAAAAAAAAA' }));
  t.equal(inv.inviteId, 'AAAAAAAAAAAAAAAA');
  t.throws(() => parsePairingUrl('https://pair?v=1'), /not a hearth:\/\/pair link/);
  t.throws(() => parsePairingUrl('hearth://pair?v=2'), /unsupported version 2/);
  t.throws(() => parsePairingUrl(url.replace('d=abc', 'd=ABC')), /device id/);
  t.throws(() => parsePairingUrl(url.replace(/s=[^&]+/, 's=AAAA')), /shorter than 128 bits/);
  t.throws(() => parsePairingUrl(url.replace(/r=[^&]+/, 'r=a%20b')), /relay address/);
  t.throws(() => parsePairingUrl('not a url'), /not a URL/);
});

t.test('QR renders as terminal text, SVG and PNG', async (t) => {
  const url = buildPairingUrl({ deviceId, relay: 'relay.example:443', secret });
  const term = await renderPairingQr(url, 'terminal');
  t.ok(term.split('\n').length > 10, 'terminal text has rows');
  const svg = await renderPairingQr(url, 'svg');
  t.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const png = await renderPairingQr(url, 'png');
  t.same([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
  await t.rejects(renderPairingQr(url, 'gif' as never), /terminal, svg or png/);
});

t.test('rate limit: pure decisions with an injected clock', async (t) => {
  const cfg: LimitConfig = { maxAttempts: 3, windowMs: 1000, lockoutMs: 5000 };
  let s = initialLimitState();
  const results: boolean[] = [];
  for (let i = 0; i < 4; i++) {
    const d = decideAttempt(s, 10_000 + i, cfg);
    results.push(d.allowed);
    s = d.state;
  }
  t.same(results, [true, true, true, false], 'three allowed, the fourth refused');
  const locked = decideAttempt(s, 10_100, cfg);
  t.equal(locked.allowed, false);
  t.equal(!locked.allowed && locked.retryAfterMs, 4_902);
  t.equal(decideAttempt(s, 15_002, cfg).allowed, true, 'allowed again after the lock-out');
  // A new window forgets old attempts.
  let w = decideAttempt(initialLimitState(), 0, cfg).state;
  w = decideAttempt(w, 10, cfg).state;
  t.equal(decideAttempt(w, 2_000, cfg).state.attempts, 1, 'new window');
  let now = 0;
  const lim = new AttemptLimiter(cfg, () => now);
  lim.attempt();
  lim.attempt();
  lim.reset();
  t.equal(lim.attempt(), undefined);
  lim.attempt();
  lim.attempt();
  now = 1;
  t.equal(lim.attempt(), 4_999, 'limiter reports the wait');
});
