import t from 'tap';
import { hexToBytes } from '@noble/hashes/utils.js';
import { EDWARDS25519, P256, passwordToScalar, startSpake2, Spake2Error } from '../../src/pairing/spake2.js';
import { bytesToHex, utf8 } from '../../src/client-auth/encoding.js';

// RFC 9382 Appendix B, first vector (SPAKE2-P256-SHA256-HKDF-HMAC, A='server', B='client', empty AAD).
const V = {
  w: '2ee57912099d31560b3a44b1184b9b4866e904c49d12ac5042c97dca461b1a5f',
  x: '43dd0fd7215bdcb482879fca3220c6a968e66d70b1356cac18bb26c84a78d729',
  y: 'dcb60106f276b02606d8ef0a328c02e4b629f84f89786af5befb0bc75b6e66be',
  pA: '04a56fa807caaa53a4d28dbb9853b9815c61a411118a6fe516a8798434751470f9010153ac33d0d5f2047ffdb1a3e42c9b4e6be662766e1eeb4116988ede5f912c',
  pB: '0406557e482bd03097ad0cbaa5df82115460d951e3451962f1eaf4367a420676d09857ccbc522686c83d1852abfa8ed6e4a1155cf8f1543ceca528afb591a1e0b7',
  Ke: '0e0672dc86f8e45565d338b0540abe69',
  cA: '58ad4aa88e0b60d5061eb6b5dd93e80d9c4f00d127c65b3b35b1b5281fee38f0',
  cB: 'd3e2e547f1ae04f2dbdbf0fc4b79f8ecff2dff314b5d32fe9fcef2fb26dc459b',
};

t.test('RFC 9382 Appendix B known answers (P-256)', async (t) => {
  const common = { suite: P256, w: BigInt(`0x${V.w}`) };
  const ids = { idA: utf8('server'), idB: utf8('client') };
  const a = startSpake2({ ...common, role: 'A', secretScalar: BigInt(`0x${V.x}`) });
  const b = startSpake2({ ...common, role: 'B', secretScalar: BigInt(`0x${V.y}`) });
  t.equal(bytesToHex(a.message), V.pA, 'pA');
  t.equal(bytesToHex(b.message), V.pB, 'pB');
  const ka = a.finish(b.message, ids);
  const kb = b.finish(a.message, ids);
  t.equal(bytesToHex(ka.Ke), V.Ke, 'Ke (A)');
  t.equal(bytesToHex(kb.Ke), V.Ke, 'Ke (B)');
  t.equal(bytesToHex(ka.confirmation), V.cA, 'cA');
  t.equal(bytesToHex(kb.confirmation), V.cB, 'cB');
  t.ok(ka.verifyPeer(hexToBytes(V.cB)), 'A accepts cB');
  t.ok(kb.verifyPeer(hexToBytes(V.cA)), 'B accepts cA');
  t.notOk(ka.verifyPeer(hexToBytes(V.cA)), 'A refuses its own MAC reflected back');
});

t.test('M and N decode to points of the prime-order subgroup', async (t) => {
  for (const P of [EDWARDS25519.M, EDWARDS25519.N]) {
    t.ok(P.isTorsionFree(), 'torsion free');
    t.notOk(P.is0(), 'not identity');
  }
});

function run(pwA: string, pwB: string, aadA = 'x', aadB = 'x') {
  const idA = utf8('phone');
  const idB = utf8('device');
  const w = (pw: string) => passwordToScalar(utf8(pw), EDWARDS25519.name, EDWARDS25519.order);
  const a = startSpake2({ suite: EDWARDS25519, role: 'A', w: w(pwA), aad: utf8(aadA) });
  const b = startSpake2({ suite: EDWARDS25519, role: 'B', w: w(pwB), aad: utf8(aadB) });
  return { ka: a.finish(b.message, { idA, idB }), kb: b.finish(a.message, { idA, idB }) };
}

t.test('edwards25519: same password agrees, both confirmations pass', async (t) => {
  const { ka, kb } = run('12345678', '12345678');
  t.same(ka.Ke, kb.Ke);
  t.ok(ka.verifyPeer(kb.confirmation));
  t.ok(kb.verifyPeer(ka.confirmation));
});

t.test('edwards25519: a wrong code fails both confirmations', async (t) => {
  const { ka, kb } = run('12345678', '12345679');
  t.notSame(ka.Ke, kb.Ke);
  t.notOk(ka.verifyPeer(kb.confirmation), 'A refuses B');
  t.notOk(kb.verifyPeer(ka.confirmation), 'B refuses A');
});

t.test('edwards25519: different AAD (e.g. pairing mode) fails confirmation', async (t) => {
  const { ka, kb } = run('12345678', '12345678', 'code', 'qr');
  t.notOk(kb.verifyPeer(ka.confirmation));
});

t.test('bad peer messages are refused with a clear error', async (t) => {
  const w = passwordToScalar(utf8('pw'), EDWARDS25519.name, EDWARDS25519.order);
  const s = startSpake2({ suite: EDWARDS25519, role: 'B', w });
  const ids = { idA: utf8('a'), idB: utf8('b') };
  t.throws(() => s.finish(new Uint8Array(5), ids), Spake2Error);
  t.throws(() => s.finish(new Uint8Array(32).fill(0xff), ids), /not a valid group element/);
  // pA = w*M exactly (x = 0 forged) also gives identity on B's side after subtraction.
  t.throws(() => s.finish(EDWARDS25519.M.multiply(w).toBytes(), ids), /identity/);
});
