// Invites: how a second client is approved. A paired client asks for one (an authenticated admin request);
// the device answers with a single-use 128-bit secret that the new client uses as its SPAKE2 password.
// Kept in memory on purpose: an invite that outlives a restart is not needed, and nothing secret is stored.
import { randomBytes } from 'node:crypto';
import { toBase64Url } from '../client-auth/encoding.js';
import { HttpError } from '../auth/http-error.js';

export interface Invite {
  id: string;
  secret: Uint8Array;
  createdBy: string;
  expiresAt: number;
}

export class InviteBook {
  private readonly invites = new Map<string, Invite>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = 15 * 60_000,
    private readonly max = 16,
  ) {}

  create(createdBy: string): Invite {
    this.prune();
    if (this.invites.size >= this.max) throw new HttpError(429, 'HEARTH_PAIR_TOO_MANY_INVITES', `too many open invites (${this.max}); let some expire first`);
    const invite: Invite = { id: toBase64Url(randomBytes(12)), secret: new Uint8Array(randomBytes(16)), createdBy, expiresAt: this.now() + this.ttlMs };
    this.invites.set(invite.id, invite);
    return invite;
  }

  get(id: string): Invite | undefined {
    this.prune();
    return this.invites.get(id);
  }

  consume(id: string): void {
    this.invites.delete(id);
  }

  clear(): void {
    this.invites.clear();
  }

  private prune(): void {
    const now = this.now();
    for (const [id, inv] of this.invites) if (inv.expiresAt <= now) this.invites.delete(id);
  }
}
