// What the owner scans, pastes or types -> a pairing credential, with a sentence for anything else.
import t from 'tap';
import { buildPairingUrl } from '../../agent/src/pairing/pairing-url.js';
import { credentialFor, inviteLink, parsePairInput } from '../src/lib/pair-input.js';

const deviceId = 'abcdefghijklmnopqrstuvwxyz';
const secret = new Uint8Array(16).fill(7);
const qr = buildPairingUrl({ deviceId, relay: 'relay.example:443', secret });
const invite = buildPairingUrl({ deviceId, relay: 'relay.example:443', secret, inviteId: 'inv_ABCDEFGHIJKLMN' });

t.test('8-digit codes', async (t) => {
  t.same(parsePairInput('12345678'), { kind: 'code', code: '12345678' });
  t.same(parsePairInput(' 1234 5678 '), { kind: 'code', code: '12345678' }, 'spaces allowed');
  t.same(parsePairInput('1234-5678'), { kind: 'code', code: '12345678' }, 'dashes allowed');
  t.throws(() => parsePairInput('1234567'), { name: 'OwnerMessage', message: /8 digits; you entered 7/ });
  t.throws(() => parsePairInput('123456789'), { message: /you entered 9/ });
  t.throws(() => parsePairInput('   '), { message: /Scan the QR code/ });
  t.same(credentialFor(parsePairInput('12345678')), { mode: 'code', code: '12345678' });
});

t.test('hearth:// links (QR sticker and invite)', async (t) => {
  const a = parsePairInput(qr);
  t.equal(a.kind, 'link');
  t.same(credentialFor(a), { mode: 'qr', secret, expectedDeviceId: deviceId });
  const b = credentialFor(parsePairInput(`  ${invite}\n`));
  t.same(b, { mode: 'invite', inviteId: 'inv_ABCDEFGHIJKLMN', secret, expectedDeviceId: deviceId });
});

t.test('the app invite link round-trips', async (t) => {
  const link = inviteLink('https://dev.example.net/', invite);
  t.match(link, /^https:\/\/dev\.example\.net\/#\/pair\?link=hearth%3A%2F%2Fpair/);
  t.same(credentialFor(parsePairInput(link)), { mode: 'invite', inviteId: 'inv_ABCDEFGHIJKLMN', secret, expectedDeviceId: deviceId });
  t.same(credentialFor(parsePairInput(`https://dev.example.net/?link=${encodeURIComponent(qr)}`)).mode, 'qr', 'a query-string link works too');
});

t.test('anything else is refused in words', async (t) => {
  for (const bad of ['hello', 'https://example.com/', 'hearth://pair?v=2&d=x', qr.replace(/s=[^&]+/, 's=AAAA'), 'hearth://pair?v=1', 'abc123']) {
    t.throws(() => parsePairInput(bad), { name: 'OwnerMessage', message: /isn't a Hearth pairing link/ }, bad);
  }
});
