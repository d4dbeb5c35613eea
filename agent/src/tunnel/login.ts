// The device side of a tunnel login: check the relay's challenge names the relay we meant to reach, sign
// nonce || relay name || timestamp, send our public key and custom domains, and read the relay's verdict.
import type { Duplex } from 'node:stream';
import { ed25519 } from '@noble/curves/ed25519.js';
import { encodeFrame, readFrame } from './frames.js';
import { Value } from '@sinclair/typebox/value';
import { Challenge, PROTOCOL_VERSION, Refusal, ServerReply, parseMessage, signedPayload, type Hello, type Welcome } from './protocol.js';

export interface DeviceKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

export class RelayRefusedError extends Error {
  constructor(readonly code: string, message: string) {
    super(`relay refused login (${code}): ${message}`);
  }
}

export async function deviceLogin(
  transport: Duplex,
  relayName: string,
  keyPair: DeviceKeyPair,
  domains: string[],
  now: number,
  timeoutMs: number,
): Promise<Welcome> {
  const first = await readFrame(transport, timeoutMs);
  if (Value.Check(Refusal, first)) throw new RelayRefusedError(first.code, first.message); // e.g. rate-limited before any challenge
  const challenge = parseMessage<Challenge>(Challenge, first, 'challenge');
  if (challenge.relay !== relayName) throw new Error(`relay calls itself ${challenge.relay}, expected ${relayName}`);
  const nonce = Buffer.from(challenge.nonce, 'base64');
  if (nonce.length !== 32) throw new Error('challenge nonce must be 32 bytes');
  const signature = ed25519.sign(signedPayload(nonce, relayName, now), keyPair.secretKey);
  const hello: Hello = {
    t: 'hello',
    v: PROTOCOL_VERSION,
    publicKey: Buffer.from(keyPair.publicKey).toString('base64'),
    timestamp: now,
    signature: Buffer.from(signature).toString('base64'),
    domains,
  };
  // Flushed before anything else: HTTP/2 later takes over the socket's native handle and must find no write in flight.
  await new Promise<void>((resolve, reject) => transport.write(encodeFrame(hello), (err) => (err ? reject(err) : resolve())));
  const reply = parseMessage<Welcome | Refusal>(ServerReply, await readFrame(transport, timeoutMs), 'relay reply');
  if (reply.t === 'error') throw new RelayRefusedError(reply.code, reply.message);
  return reply;
}
