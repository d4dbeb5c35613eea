// One operation per app at a time (install, update, remove, a reconcile pass touching it). Locks expire, so
// an operation that hung or died cannot block its app forever; an expired holder's release is a no-op.
export interface LockHandle {
  readonly app: string;
  release(): void;
}

export class AppLockedError extends Error {
  override readonly name = 'AppLockedError';
  constructor(
    readonly app: string,
    readonly holder: string,
  ) {
    super(`app ${app} is busy (${holder}); try again shortly`);
  }
}

interface Held {
  token: symbol;
  holder: string;
  expiresAt: number;
}

export class AppLocks {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly now: () => number,
    private readonly defaultTtlMs = 10 * 60_000,
  ) {}

  tryAcquire(app: string, holder: string, ttlMs = this.defaultTtlMs): LockHandle | undefined {
    const cur = this.held.get(app);
    if (cur && cur.expiresAt > this.now()) return undefined;
    const token = Symbol(holder);
    this.held.set(app, { token, holder, expiresAt: this.now() + ttlMs });
    return {
      app,
      release: () => {
        if (this.held.get(app)?.token === token) this.held.delete(app);
      },
    };
  }

  acquire(app: string, holder: string, ttlMs?: number): LockHandle {
    const h = this.tryAcquire(app, holder, ttlMs);
    if (!h) throw new AppLockedError(app, this.held.get(app)?.holder ?? 'unknown');
    return h;
  }

  isLocked(app: string): boolean {
    const cur = this.held.get(app);
    return !!cur && cur.expiresAt > this.now();
  }

  /** Waits (polling) until the lock is free or `timeoutMs` passes. */
  async acquireWait(app: string, holder: string, timeoutMs: number, ttlMs?: number): Promise<LockHandle> {
    const deadline = this.now() + timeoutMs;
    for (;;) {
      const h = this.tryAcquire(app, holder, ttlMs);
      if (h) return h;
      if (this.now() >= deadline) throw new AppLockedError(app, this.held.get(app)?.holder ?? 'unknown');
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
