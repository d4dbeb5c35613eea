// The relay side of a tunnel login: challenge, signed hello, domain checks, name claims, welcome; then the connection
// becomes the device's HTTP/2 tunnel. Every failure sends a short refusal and closes only this connection.
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { Logger } from 'pino';
import { deviceIdFromPublicKey } from '../../agent/src/tunnel/device-id.js';
import { encodeFrame, readFrame } from '../../agent/src/tunnel/frames.js';
import {
  Hello, NONCE_BYTES, PROTOCOL_VERSION, defaultNames, parseMessage, signedPayload,
  type Challenge, type Refusal, type Rejection, type Welcome,
} from '../../agent/src/tunnel/protocol.js';
import type { DataConnHub } from './data-conns.js';
import type { Clock, RateLimiter } from './rate-limit.js';
import type { TunnelRegistry } from './registry.js';
import { DeviceTunnel, type TunnelLimits } from './tunnel.js';

export interface LoginDeps {
  relayName: string;
  zone: string;
  clock: Clock;
  log: Logger;
  registry: TunnelRegistry;
  loginsPerIp: RateLimiter;
  loginsPerDevice: RateLimiter;
  loginTimeoutMs: number;
  maxClockSkewMs: number;
  tunnelLimits: TunnelLimits;
  /** Set when devices may open data connections, to the public port they dial (`port`). */
  dataConns?: { hub: DataConnHub; port: number };
  /** Resolves to null when `domain` may be served by `deviceId`, else a reason. */
  checkDomain: (domain: string, deviceId: string) => Promise<string | null>;
}

export class LoginRefused extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** Pure check of a hello against the nonce this relay sent. Returns the device ID or throws LoginRefused. */
export function verifyHello(hello: Hello, nonce: Uint8Array, relayName: string, now: number, maxSkewMs: number): string {
  const publicKey = Buffer.from(hello.publicKey, 'base64');
  const signature = Buffer.from(hello.signature, 'base64');
  if (publicKey.length !== 32) throw new LoginRefused('bad-key', 'public key must be 32 bytes');
  if (signature.length !== 64) throw new LoginRefused('bad-signature', 'signature must be 64 bytes');
  if (Math.abs(now - hello.timestamp) > maxSkewMs) throw new LoginRefused('clock-skew', `timestamp is more than ${maxSkewMs} ms from relay time`);
  let ok = false;
  try {
    ok = ed25519.verify(signature, signedPayload(nonce, relayName, hello.timestamp), publicKey);
  } catch {
    ok = false;
  }
  if (!ok) throw new LoginRefused('bad-signature', 'signature does not verify');
  return deviceIdFromPublicKey(publicKey);
}

export async function acceptLogin(transport: Duplex, remoteAddress: string, deps: LoginDeps): Promise<DeviceTunnel | null> {
  const refuse = (code: string, message: string): null => {
    deps.log.info({ remoteAddress, code, message }, 'tunnel login refused');
    const refusal: Refusal = { t: 'error', code, message };
    transport.end(encodeFrame(refusal));
    setTimeout(() => transport.destroy(), 1000).unref();
    return null;
  };
  if (!deps.loginsPerIp.take(remoteAddress)) return refuse('rate-limited', 'too many tunnel logins from this address');
  const nonce = randomBytes(NONCE_BYTES);
  const challenge: Challenge = { t: 'challenge', v: PROTOCOL_VERSION, nonce: nonce.toString('base64'), relay: deps.relayName };
  transport.write(encodeFrame(challenge));
  let deviceId: string;
  let hello: Hello;
  try {
    hello = parseMessage<Hello>(Hello, await readFrame(transport, deps.loginTimeoutMs), 'hello');
    deviceId = verifyHello(hello, nonce, deps.relayName, deps.clock.now(), deps.maxClockSkewMs);
  } catch (err) {
    return refuse(err instanceof LoginRefused ? err.code : 'bad-hello', (err as Error).message.slice(0, 300));
  }
  if (!deps.loginsPerDevice.take(deviceId)) return refuse('rate-limited', 'too many tunnel logins for this device');

  const rejected: Rejection[] = [];
  const own = defaultNames(deviceId, deps.zone);
  const custom = [...new Set(hello.domains)].filter((d) => !own.includes(d));
  const checks = await Promise.all(custom.map(async (d) => ({ d, reason: await deps.checkDomain(d, deviceId).catch((e: Error) => e.message) })));
  const verified = checks.filter((c) => c.reason === null).map((c) => c.d);
  for (const c of checks) if (c.reason !== null) rejected.push({ name: c.d, reason: c.reason });
  let claimed: { accepted: string[]; rejected: Rejection[] };
  try {
    claimed = await deps.registry.claim(deviceId, [...own, ...verified]);
  } catch (err) {
    return refuse('unavailable', `route store unavailable: ${(err as Error).message}`);
  }
  rejected.push(...claimed.rejected);
  const accepted = claimed.accepted.filter((n) => !deps.registry.heldByOther(n, deviceId));
  if (accepted.length === 0 || transport.destroyed) {
    await deps.registry.abandon(deviceId, claimed.accepted);
    return refuse('name-taken', 'none of the claimed names is available');
  }

  const spares = deps.dataConns?.hub.open();
  const welcome: Welcome = { t: 'welcome', deviceId, names: accepted, rejected };
  if (spares) welcome.data = { port: deps.dataConns!.port, sid: spares.sid.toString('base64'), secret: spares.secret.toString('base64') };
  // HTTP/2 takes over the socket's native handle: a JS write still in flight at that moment aborts the process
  // (node_http2.cc is_write_in_progress), so the welcome must be flushed first.
  const sent = await new Promise<boolean>((resolve) => transport.write(encodeFrame(welcome), (err) => resolve(!err)));
  if (!sent || transport.destroyed) {
    spares?.close();
    await deps.registry.abandon(deviceId, accepted);
    transport.destroy();
    return null;
  }
  const tunnel = new DeviceTunnel(deviceId, accepted, transport, remoteAddress, deps.tunnelLimits, deps.log, spares);
  deps.registry.install(tunnel);
  deps.log.info({ deviceId, remoteAddress, names: accepted, rejected }, 'tunnel up');
  return tunnel;
}
