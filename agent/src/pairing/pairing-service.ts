// Device side of pairing: decides who may start (window, invite, rate limit), runs SPAKE2 as role B,
// and on a confirmed finish stores the client key. Sessions live in memory for a minute and are single-use.
import { randomBytes } from 'node:crypto';
import { readFile, stat, unlink } from 'node:fs/promises';
import { writeFileAtomic } from '../state/atomic-file.js';
import type { Logger } from 'pino';
import type { DeviceIdentity } from '../identity/device-identity.js';
import { shortCodeFromSecret } from '../identity/pairing-secret.js';
import { p256PublicKeyObject, type ClientsStore } from '../auth/clients-store.js';
import { HttpError } from '../auth/http-error.js';
import { fromBase64Url, toBase64Url, utf8 } from '../client-auth/encoding.js';
import { startSpake2, Spake2Error, type Spake2Keys } from './spake2.js';
import { PAIRING_SUITE, pairingAad, pairingPasswordScalar, deviceProofMessage, type PairingMode } from './protocol.js';
import { AttemptLimiter, DEFAULT_PAIRING_LIMIT, type LimitConfig } from './rate-limit.js';
import { InviteBook, type Invite } from './invites.js';
import { buildPairingUrl } from './pairing-url.js';
import type { StartRequest, StartResponse, FinishRequest, FinishResponse } from './schemas.js';

export interface PairingServiceOptions {
  identity: DeviceIdentity;
  secret: Uint8Array;
  clients: ClientsStore;
  logger: Logger;
  now?: () => number;
  /** A file whose presence (e.g. `hearth-reset-pairing` on the boot partition) revokes every client. */
  resetMarkerPath?: string;
  /**
   * Where to remember a marker that could not be deleted (boot partition mounted read-only): its fingerprint is
   * stored here so the same marker resets once, not on every start. Required with `resetMarkerPath` in production.
   */
  resetConsumedPath?: string;
  limit?: LimitConfig;
  sessionTtlMs?: number;
}

interface Session {
  keys: Spake2Keys;
  clientPublicKey: Uint8Array;
  clientName: string;
  mode: PairingMode;
  invite?: Invite;
  expiresAt: number;
}

const MAX_SESSIONS = 32;

export class PairingService {
  private readonly sessions = new Map<string, Session>();
  private readonly limiters: Record<PairingMode, AttemptLimiter>;
  readonly invites: InviteBook;
  private readonly now: () => number;

  constructor(private readonly opts: PairingServiceOptions) {
    this.now = opts.now ?? Date.now;
    const cfg = opts.limit ?? DEFAULT_PAIRING_LIMIT;
    // Separate limiters: locking out the 8-digit code must not lock out the 128-bit QR secret (which no one can guess).
    this.limiters = { code: new AttemptLimiter(cfg, this.now), qr: new AttemptLimiter(cfg, this.now), invite: new AttemptLimiter(cfg, this.now) };
    this.invites = new InviteBook(this.now);
  }

  get deviceId(): string {
    return this.opts.identity.deviceId;
  }

  shortCode(): string {
    return shortCodeFromSecret(this.opts.secret);
  }

  pairingUrl(relay: string): string {
    return buildPairingUrl({ deviceId: this.deviceId, relay, secret: this.opts.secret });
  }

  /** Open while no active client exists: on first start, after a physical reset, or once every client is revoked. */
  windowOpen(): boolean {
    return !this.opts.clients.hasActive();
  }

  /** Call at boot (and it is called before each pairing start): honours the physical reset marker. */
  async applyResetMarker(): Promise<boolean> {
    const path = this.opts.resetMarkerPath;
    if (!path) return false;
    let fingerprint: string;
    try {
      const st = await stat(path);
      fingerprint = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    if (await this.alreadyConsumed(fingerprint)) return false;
    const removed = await unlink(path).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return true;
        // A read-only or root-owned boot partition must not crash the agent, nor reset pairing on every start.
        if (err.code === 'EROFS' || err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EBUSY') return false;
        throw err;
      },
    );
    if (!removed) {
      if (!this.opts.resetConsumedPath) {
        this.opts.logger.error({ marker: path }, 'pairing reset marker cannot be removed and no place to remember it: ignored');
        return false;
      }
      await writeFileAtomic(this.opts.resetConsumedPath, fingerprint + '\n', { mode: 0o600 });
    }
    const revoked = await this.opts.clients.revokeAll();
    this.invites.clear();
    this.opts.logger.warn({ marker: path, revoked, markerRemoved: removed }, 'physical pairing reset: all clients revoked, pairing window open');
    return true;
  }

  private async alreadyConsumed(fingerprint: string): Promise<boolean> {
    if (!this.opts.resetConsumedPath) return false;
    const seen = await readFile(this.opts.resetConsumedPath, 'utf8').catch(() => '');
    return seen.trim() === fingerprint;
  }

  createInvite(createdBy: string, relay: string): { inviteId: string; url: string; expiresAt: string } {
    const invite = this.invites.create(createdBy);
    const url = buildPairingUrl({ deviceId: this.deviceId, relay, secret: invite.secret, inviteId: invite.id });
    this.opts.logger.info({ createdBy, inviteId: invite.id }, 'pairing invite created');
    return { inviteId: invite.id, url, expiresAt: new Date(invite.expiresAt).toISOString() };
  }

  async start(req: StartRequest): Promise<StartResponse> {
    await this.applyResetMarker();
    let password: Uint8Array;
    let invite: Invite | undefined;
    if (req.mode === 'invite') {
      invite = req.inviteId ? this.invites.get(req.inviteId) : undefined;
      if (!invite) throw new HttpError(403, 'HEARTH_PAIR_NO_INVITE', 'invite unknown or expired; ask a paired client for a new one');
      password = invite.secret;
    } else {
      if (!this.windowOpen()) {
        throw new HttpError(403, 'HEARTH_PAIR_CLOSED', 'this device already has an owner: pairing needs an invite from a paired client, or a physical reset');
      }
      password = req.mode === 'code' ? utf8(this.shortCode()) : this.opts.secret;
    }
    const retryAfterMs = this.limiters[req.mode].attempt();
    if (retryAfterMs !== undefined) {
      this.opts.logger.warn({ mode: req.mode }, 'pairing attempt refused: locked out');
      throw new HttpError(429, 'HEARTH_PAIR_LOCKED', `too many pairing attempts; try again in ${Math.ceil(retryAfterMs / 1000)} s`);
    }
    const clientPublicKey = fromBase64Url(req.clientPublicKey, 'clientPublicKey');
    try {
      p256PublicKeyObject(clientPublicKey);
    } catch {
      throw new HttpError(400, 'HEARTH_PAIR_BAD_KEY', 'clientPublicKey is not an uncompressed P-256 public key');
    }
    const spake = startSpake2({ suite: PAIRING_SUITE, role: 'B', w: pairingPasswordScalar(password), aad: pairingAad(req.mode, invite?.id) });
    let keys: Spake2Keys;
    try {
      keys = spake.finish(fromBase64Url(req.pA, 'pA'), { idA: clientPublicKey, idB: this.opts.identity.publicKey });
    } catch (err) {
      if (err instanceof Spake2Error) throw new HttpError(400, 'HEARTH_PAIR_BAD_MESSAGE', err.message);
      throw err;
    }
    this.pruneSessions();
    const sessionId = toBase64Url(randomBytes(16));
    this.sessions.set(sessionId, {
      keys,
      clientPublicKey,
      clientName: req.clientName,
      mode: req.mode,
      ...(invite ? { invite } : {}),
      expiresAt: this.now() + (this.opts.sessionTtlMs ?? 60_000),
    });
    return {
      sessionId,
      deviceId: this.deviceId,
      devicePublicKey: toBase64Url(this.opts.identity.publicKey),
      pB: toBase64Url(spake.message),
      cB: toBase64Url(keys.confirmation),
      deviceSignature: toBase64Url(this.opts.identity.sign(deviceProofMessage(keys.transcript))),
    };
  }

  async finish(req: FinishRequest): Promise<FinishResponse> {
    const session = this.sessions.get(req.sessionId);
    // Single use whatever the outcome: a session can never be used for a second guess.
    this.sessions.delete(req.sessionId);
    if (!session || session.expiresAt <= this.now()) {
      throw new HttpError(404, 'HEARTH_PAIR_NO_SESSION', 'pairing session unknown or expired; start again');
    }
    if (!session.keys.verifyPeer(fromBase64Url(req.cA, 'cA'))) {
      this.opts.logger.warn({ mode: session.mode }, 'pairing failed: key confirmation mismatch (wrong code)');
      throw new HttpError(401, 'HEARTH_PAIR_WRONG_CODE', 'pairing failed: the code does not match');
    }
    if (session.invite) {
      if (!this.invites.get(session.invite.id)) throw new HttpError(403, 'HEARTH_PAIR_NO_INVITE', 'invite expired or already used');
      this.invites.consume(session.invite.id);
    } else if (!this.windowOpen()) {
      // Another client finished first while this session was pending.
      throw new HttpError(403, 'HEARTH_PAIR_CLOSED', 'this device already has an owner');
    }
    const via = session.invite ? `invite:${session.invite.createdBy}` : session.mode;
    const client = await this.opts.clients.add({ name: session.clientName, publicKey: session.clientPublicKey, via });
    this.limiters[session.mode].reset();
    this.opts.logger.info({ clientId: client.id, via }, 'client paired');
    return { clientId: client.id, deviceId: this.deviceId };
  }

  private pruneSessions(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
    // Oldest first: a flood of starts cannot grow memory, and each start already cost an attempt.
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
  }
}
