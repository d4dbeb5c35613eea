// A relay under hostile input: 1,000 malformed ClientHellos (garbage, truncated, oversized, silent, unknown names) and
// random bytes on the tunnel port (before login, as control frames, and as HTTP/2 frames after a valid login). Each
// bad connection is closed on its own; the device's tunnel stays up and the next good client is served.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import tls from 'node:tls';
import { ed25519 } from '@noble/curves/ed25519.js';
import { encodeFrame, readFrame } from '../../agent/src/tunnel/frames.js';
import { TUNNEL_ALPN, signedPayload } from '../../agent/src/tunnel/protocol.js';
import { curlHttps, sendAndWaitClose, startDevice, startRelay, tempDir, waitFor, ZONE } from './fixtures.js';

function malformedHello(i: number): { bytes: Buffer; end: boolean } {
  switch (i % 8) {
    case 0: return { bytes: randomBytes(1 + (i % 900)), end: false };
    case 1: return { bytes: Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]), randomBytes(200)]), end: true }; // truncated then EOF
    case 2: return { bytes: Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0xff, 0xff, 0xff]), end: false }; // announces > cap
    case 3: return { bytes: Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x30, 0x01, 0x00, 0x00, 0x2c]), randomBytes(0x30 - 4)]), end: false };
    case 4: return { bytes: Buffer.alloc(0), end: false }; // silent: closed by the parse timeout
    case 5: return { bytes: Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), end: false };
    case 6: return { bytes: Buffer.concat(Array.from({ length: 12 }, () => Buffer.concat([Buffer.from([0x16, 3, 1, 0x07, 0xd0]), randomBytes(2000)]))), end: false };
    default: return { bytes: Buffer.concat([Buffer.from([0x16, 0x03, 0x03]), randomBytes(2)]), end: true };
  }
}

t.test('1,000 malformed ClientHellos and random tunnel frames; the next good client is served', async (t) => {
  const dir = await tempDir(t);
  const { relay, ports, tunnelCert } = await startRelay(t, dir, {
    limits: { clientHelloTimeoutMs: 500, loginTimeoutMs: 1000, loginsPerIp: { capacity: 10_000, refillPerSecond: 1000 } } as never,
  });
  const device = await startDevice(t, dir, { relays: [`tls://127.0.0.1:${ports.tunnel}`], ca: tunnelCert.certPem });
  await waitFor('tunnel up', () => device.client.status()[0]!.connected);
  let downs = 0;
  device.client.on('down', () => downs++);
  const name = `app.${device.deviceId}.${ZONE}`;

  for (let batch = 0; batch < 20; batch++) {
    await Promise.all(Array.from({ length: 50 }, (_, j) => {
      const { bytes, end } = malformedHello(batch * 50 + j);
      return sendAndWaitClose(ports.https, bytes, end);
    }));
  }
  // Port 80 garbage too.
  await Promise.all(Array.from({ length: 50 }, () => sendAndWaitClose(ports.http!, randomBytes(300), false)));

  // Tunnel port: random bytes inside TLS before and instead of a hello.
  const tunnelConn = (): Promise<tls.TLSSocket> => new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: ports.tunnel, ca: tunnelCert.certPem, ALPNProtocols: [TUNNEL_ALPN] }, () => resolve(s));
    s.on('error', reject);
  });
  const closed = (s: tls.TLSSocket): Promise<void> => new Promise((r) => { s.on('close', () => r()); s.on('error', () => r()); s.resume(); });
  for (let i = 0; i < 20; i++) {
    const s = await tunnelConn();
    s.write(i % 2 === 0 ? randomBytes(64) : encodeFrame({ t: 'hello', v: 1, junk: randomBytes(8).toString('hex') }));
    await closed(s);
  }
  // A properly logged-in hostile device that then sends random HTTP/2 frames: only its tunnel dies.
  for (let i = 0; i < 10; i++) {
    const s = await tunnelConn();
    const challenge = (await readFrame(s, 2000)) as { nonce: string };
    const kp = ed25519.keygen();
    const now = Date.now();
    const sig = ed25519.sign(signedPayload(Buffer.from(challenge.nonce, 'base64'), '127.0.0.1', now), kp.secretKey);
    s.write(encodeFrame({ t: 'hello', v: 1, publicKey: Buffer.from(kp.publicKey).toString('base64'), timestamp: now, signature: Buffer.from(sig).toString('base64'), domains: [] }));
    await readFrame(s, 2000);
    s.write(randomBytes(4096));
    await closed(s);
  }

  await waitFor('hostile tunnels gone', () => relay.tunnels === 1);
  t.equal(await curlHttps(name, ports.https, device.cert.cert, '/after'), `hello from ${device.deviceId} as ${name} path /after\n`);
  t.equal(downs, 0, 'the good tunnel never went down');
  t.ok(device.client.status()[0]!.connected);
});
