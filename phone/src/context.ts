// What every screen gets: the signed client for the paired device, navigation, and the two ways to talk to the
// owner (a polite status line and an error banner). Built once in main.ts; screens never reach for globals.
import { DeviceClient } from '../../agent/src/client/device-client.js';
import { retryingTransport } from '../../agent/src/client/retry-transport.js';
import { fetchTransport } from '../../agent/src/client/transport.js';
import { createRequestSigner } from '../../agent/src/client-auth/signer.js';
import { signedTransport } from '../../agent/src/client-auth/signed-transport.js';
import type { ErrorContext } from './lib/errors.js';
import type { KeyStore, Pairing } from './lib/key-store.js';

export interface AppContext {
  /** The device web's origin: the phone app is served by the device it manages. */
  readonly origin: string;
  readonly page: { protocol: string; hostname: string; port: string };
  pairing: Pairing | undefined;
  client(): DeviceClient;
  setPairing(p: Pairing): Promise<void>;
  forget(): Promise<void>;
  go(route: string): void;
  notify(message: string): void;
  fail(err: unknown, context?: ErrorContext): void;
  clearError(): void;
}

export interface ContextDeps {
  location: Location;
  keys: KeyStore;
  pairing: Pairing | undefined;
  notify(message: string): void;
  fail(err: unknown, context?: ErrorContext): void;
  clearError(): void;
}

export function createContext(d: ContextDeps): AppContext {
  let cached: { pairing: Pairing; client: DeviceClient } | undefined;
  const ctx: AppContext = {
    origin: d.location.origin,
    page: { protocol: d.location.protocol, hostname: d.location.hostname, port: d.location.port },
    pairing: d.pairing,
    client() {
      const p = ctx.pairing;
      if (!p) throw new Error('not paired');
      if (cached?.pairing !== p) {
        const signer = createRequestSigner({ keyId: p.clientId, privateKey: p.keyPair.privateKey });
        // Reads are retried after a network blip (a phone changing networks), each attempt signed afresh.
        cached = { pairing: p, client: new DeviceClient(retryingTransport(signedTransport(fetchTransport(ctx.origin), signer))) };
      }
      return cached.client;
    },
    async setPairing(p) {
      await d.keys.save(p);
      ctx.pairing = p;
    },
    async forget() {
      await d.keys.clear();
      ctx.pairing = undefined;
    },
    go(route) {
      if (d.location.hash === `#${route}`) window.dispatchEvent(new HashChangeEvent('hashchange'));
      else d.location.hash = route;
    },
    notify: d.notify,
    fail: d.fail,
    clearError: d.clearError,
  };
  return ctx;
}
