// Certificates from an ACME CA (Let's Encrypt in production, Pebble in tests) with acme-client. The device answers
// the CA's challenges itself: TLS-ALPN-01 on connections that reach it through the relay (port 443 passthrough),
// HTTP-01 as fallback (port 80 passthrough). Keys never leave <dataDir>/tls/ and are never logged.
import { Agent as HttpsAgent } from 'node:https';
import type * as acme from 'acme-client';
import type { Logger } from 'pino';
import { CertStore } from './cert-store.js';
import { ChallengeStore } from './challenges.js';
import { covers, nameMatches, normaliseNames } from './names.js';
import { checkBundle, parseCombined, serialiseBundle } from './pem-bundle.js';
import { MAX_TIMER_MS, backoffDelay, defaultRenewalPolicy, isDue, renewAt, type RenewalPolicy } from './renewal.js';
import { systemClock, type CertBundle, type CertificateSource, type Clock } from './types.js';

export type ChallengeType = 'tls-alpn-01' | 'http-01';

export interface AcmeSourceOptions {
  dataDir: string;
  /** ACME directory, e.g. acme.directory.letsencrypt.production. */
  directoryUrl: string;
  /** Extra trust anchor for the directory's own HTTPS (a private CA such as Pebble or step-ca). */
  directoryCaPem?: string;
  email?: string;
  /** Preference order; both are answered by the device. */
  challengeTypes?: ChallengeType[];
  logger: Logger;
  clock?: Clock;
  random?: () => number;
  policy?: RenewalPolicy;
  /** acme-client's polling of pending orders/challenges (its defaults: 10 attempts, 5..30 s apart). */
  pollBackoff?: { attempts: number; minMs: number; maxMs: number };
  /** Called after a certificate is installed (loaded from disk, issued or renewed). */
  onChange?: (bundle: CertBundle, how: 'loaded' | 'issued' | 'renewed') => void;
}

interface Managed {
  names: string[];
  bundle?: CertBundle;
  timer?: NodeJS.Timeout;
  failures: number;
}

export class AcmeCertificateSource implements CertificateSource {
  readonly challenges = new ChallengeStore();
  private readonly store: CertStore;
  private readonly managed = new Map<string, Managed>();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly policy: RenewalPolicy;
  private readonly log: Logger;
  private queue: Promise<unknown> = Promise.resolve();
  private client?: acme.Client;
  private stopped = false;

  constructor(private readonly opts: AcmeSourceOptions) {
    new URL(opts.directoryUrl); // throws a clear "Invalid URL" for a bad directory
    this.store = new CertStore(opts.dataDir);
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.policy = opts.policy ?? defaultRenewalPolicy;
    this.log = opts.logger.child({ component: 'tls' });
  }

  ensure(rawNames: readonly string[]): Promise<CertBundle> {
    const names = normaliseNames(rawNames);
    return this.serialised(() => this.ensureNow(names));
  }

  current(name: string): CertBundle | undefined {
    const host = name.toLowerCase();
    for (const m of this.managed.values()) {
      if (m.bundle && m.bundle.names.some((n) => nameMatches(n, host))) return m.bundle;
    }
    return undefined;
  }

  fallback(): CertBundle | undefined {
    for (const m of this.managed.values()) if (m.bundle) return m.bundle;
    return undefined;
  }

  stop(): void {
    this.stopped = true;
    for (const m of this.managed.values()) clearTimeout(m.timer);
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async ensureNow(names: string[]): Promise<CertBundle> {
    const primary = names[0] as string;
    const now = this.clock.now();
    const entry = this.managed.get(primary);
    if (entry?.bundle && sameNames(entry.names, names) && covers(entry.bundle.names, names) && !this.due(entry.bundle, now)) return entry.bundle;

    const stored = await this.store.readCertificate(primary);
    let usable: CertBundle | undefined;
    if (stored !== undefined) {
      const check = parseCombined(stored, names, now);
      if (check.ok) {
        usable = check.bundle;
        if (!this.due(check.bundle, now)) {
          this.install(primary, names, check.bundle, 'loaded');
          return check.bundle;
        }
        this.log.info({ primary, notAfter: check.bundle.notAfter }, 'stored certificate is due for renewal');
      } else if (check.namesChanged) {
        this.log.info({ primary, reason: check.reason }, 'certificate names changed, re-issuing');
      } else {
        this.log.warn({ primary, path: this.store.certPath(primary), reason: check.reason }, 'stored certificate unusable, re-issuing');
      }
    }
    try {
      const bundle = await this.issue(names);
      this.install(primary, names, bundle, 'issued');
      return bundle;
    } catch (err) {
      if (usable) {
        // A still-valid certificate keeps serving while issuance is retried with back-off.
        this.install(primary, names, usable, 'loaded');
        this.log.warn({ primary, err: errorText(err) }, 'renewal failed, serving the current certificate');
      } else {
        // Nothing to serve for these names yet: keep trying in the background; the caller sees this failure.
        const current = this.managed.get(primary);
        clearTimeout(current?.timer);
        this.managed.set(primary, { names, bundle: current?.bundle, failures: current?.failures ?? 0 });
        this.log.warn({ primary, err: errorText(err) }, 'certificate issuance failed');
      }
      this.scheduleRetry(primary);
      if (!usable) throw err;
      return usable;
    }
  }

  private due(bundle: CertBundle, now: number): boolean {
    return isDue(bundle.notBefore.getTime(), bundle.notAfter.getTime(), now, this.policy);
  }

  private install(primary: string, names: string[], bundle: CertBundle, how: 'loaded' | 'issued' | 'renewed'): void {
    const old = this.managed.get(primary);
    clearTimeout(old?.timer);
    const entry: Managed = { names, bundle, failures: how === 'loaded' ? (old?.failures ?? 0) : 0 };
    this.managed.set(primary, entry);
    this.log.info({ primary, names, notAfter: bundle.notAfter, fingerprint: bundle.fingerprint256, how }, 'certificate installed');
    if (!this.stopped) {
      const at = renewAt(bundle.notBefore.getTime(), bundle.notAfter.getTime(), this.policy, this.random());
      this.arm(entry, at, () => this.renew(primary));
    }
    this.opts.onChange?.(bundle, how);
  }

  /** Fires `fn` at epoch ms `at`, in steps no longer than setTimeout allows. */
  private arm(entry: Managed, at: number, fn: () => void): void {
    clearTimeout(entry.timer);
    if (this.stopped) return;
    const wait = at - this.clock.now();
    entry.timer = setTimeout(() => (this.clock.now() >= at ? fn() : this.arm(entry, at, fn)), Math.max(0, Math.min(wait, MAX_TIMER_MS)));
    entry.timer.unref();
  }

  private renew(primary: string): void {
    const entry = this.managed.get(primary);
    if (!entry || this.stopped) return;
    void this.serialised(async () => {
      try {
        const bundle = await this.issue(entry.names);
        this.install(primary, entry.names, bundle, entry.bundle && covers(entry.bundle.names, entry.names) ? 'renewed' : 'issued');
      } catch (err) {
        this.log.warn({ primary, err: errorText(err) }, 'certificate renewal failed');
        this.scheduleRetry(primary);
      }
    });
  }

  private scheduleRetry(primary: string): void {
    const entry = this.managed.get(primary);
    if (!entry) return;
    entry.failures += 1;
    const untilExpiry = entry.bundle ? entry.bundle.notAfter.getTime() - this.clock.now() : Infinity;
    const delay = backoffDelay(entry.failures, this.policy, this.random(), untilExpiry);
    this.log.info({ primary, failures: entry.failures, retryInMs: Math.round(delay) }, 'certificate renewal retry scheduled');
    this.arm(entry, this.clock.now() + delay, () => this.renew(primary));
  }

  private async issue(names: string[]): Promise<CertBundle> {
    const client = await this.acmeClient();
    const { crypto } = await loadAcmeClient();
    const [keyBuf, csr] = await crypto.createCsr({ commonName: names[0], altNames: names }, await crypto.createPrivateEcdsaKey());
    const keyPem = keyBuf.toString();
    this.log.info({ names, directoryUrl: this.opts.directoryUrl }, 'requesting certificate');
    const chainPem = await client.auto({
      csr,
      email: this.opts.email,
      termsOfServiceAgreed: true,
      // acme-client's own pre-check resolves names with the system resolver; the CA's validation is what counts.
      skipChallengeVerification: true,
      challengePriority: this.opts.challengeTypes ?? ['tls-alpn-01', 'http-01'],
      challengeCreateFn: (authz, challenge, keyAuthorization) => this.answer(authz, challenge, keyAuthorization),
      challengeRemoveFn: async (authz, challenge) => {
        if (challenge.type === 'http-01') this.challenges.removeHttpToken(challenge.token);
        else this.challenges.removeAlpnCertificate(authz.identifier.value);
      },
    });
    const check = checkBundle(keyPem, chainPem, names, this.clock.now());
    if (!check.ok) throw new Error(`CA returned an unusable certificate: ${check.reason}`);
    await this.store.writeCertificate(names[0] as string, serialiseBundle(keyPem, chainPem));
    return check.bundle;
  }

  private async answer(authz: acme.Authorization, challenge: { type: string; token: string }, keyAuthorization: string): Promise<void> {
    const name = authz.identifier.value;
    if (challenge.type === 'tls-alpn-01') {
      const [key, cert] = await (await loadAcmeClient()).crypto.createAlpnCertificate(authz, keyAuthorization);
      this.challenges.setAlpnCertificate(name, key.toString(), cert.toString());
    } else if (challenge.type === 'http-01') {
      this.challenges.setHttpToken(challenge.token, keyAuthorization);
    } else {
      throw new Error(`unsupported challenge type ${challenge.type} for ${name}`);
    }
    this.log.debug({ name, type: challenge.type }, 'challenge answer ready');
  }

  private async acmeClient(): Promise<acme.Client> {
    if (this.client) return this.client;
    const directoryUrl = this.opts.directoryUrl;
    const stored = await this.store.readAccount(directoryUrl);
    const retry = this.opts.pollBackoff;
    const lib = await loadAcmeClient();
    const make = (accountKey: string, accountUrl?: string): acme.Client => {
      const client = new lib.Client({
        directoryUrl, accountKey, ...(accountUrl ? { accountUrl } : {}),
        ...(retry ? { backoffAttempts: retry.attempts, backoffMin: retry.minMs, backoffMax: retry.maxMs } : {}),
      });
      guardRequests(client, { caPem: this.opts.directoryCaPem, stopped: () => this.stopped });
      return client;
    };
    if (stored) {
      this.client = make(stored.keyPem, stored.accountUrl);
      return this.client;
    }
    // A fresh key per registration: an existing account is never "re-created" (CAs reject empty updates).
    const keyPem = (await lib.crypto.createPrivateEcdsaKey()).toString();
    const client = make(keyPem);
    await client.createAccount({ termsOfServiceAgreed: true, ...(this.opts.email ? { contact: [`mailto:${this.opts.email}`] } : {}) });
    await this.store.writeAccount({ directoryUrl, accountUrl: client.getAccountUrl(), keyPem });
    this.log.info({ directoryUrl }, 'registered ACME account');
    this.client = client;
    return client;
  }
}

/**
 * acme-client with what it brings (node-forge, axios and mime-db, an X.509/ASN.1 stack: ~0.9 MB, a third of the
 * agent's bundle, much of it building tables and schema objects when loaded) is loaded on first use: a device whose
 * certificate is valid and covers its names needs it only at renewal (~60 days) or when an app adds a name, and
 * loading it at start cost every start ~23 MB and ~350 ms (docs/BENCHMARKS.md). The bundler puts it in a chunk of its
 * own (scripts/bundle.mjs); node caches the import, so it stays loaded once used.
 */
export async function loadAcmeClient(): Promise<typeof acme> {
  const loaded = (await import('acme-client')) as typeof acme & { default?: typeof acme };
  // A CommonJS package: node's own loader offers its exports by name and as `default`, a bundle's split chunk only as
  // `default` (image/test/agent-bundle.test.ts runs the bundled form).
  return loaded.default ?? loaded;
}

/**
 * acme-client's HTTP layer, wrapped (checked, so an acme-client upgrade fails loudly, not silently):
 * - to trust a private CA (Pebble, step-ca) for this client only: acme-client shares one axios instance per process,
 *   so each request gets an https.Agent of its own;
 * - to abandon an order in flight once the source is stopped: acme-client cannot cancel one, and its polling retries
 *   a failed request with back-off timers for minutes (10 attempts, 5-30 s apart). After stop() a request never
 *   completes instead, so the order waits on nothing: no timer or socket of it keeps the process alive (measured: an
 *   agent stopped during a re-issuance kept its test process alive for minutes, retrying against a stopped CA).
 */
function guardRequests(client: acme.Client, o: { caPem?: string; stopped: () => boolean }): void {
  const http = (client as unknown as { http?: { request?: unknown } }).http;
  if (!http || typeof http.request !== 'function') throw new Error('acme-client internals changed: cannot wrap its HTTP requests');
  const agent = o.caPem ? new HttpsAgent({ ca: o.caPem, keepAlive: true }) : undefined;
  const original = http.request.bind(http) as (url: string, method: string, opts?: object) => Promise<unknown>;
  http.request = (url: string, method: string, opts: object = {}) => {
    if (o.stopped()) return new Promise<never>(() => undefined);
    return original(url, method, agent ? { ...opts, httpsAgent: agent } : opts);
  };
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
