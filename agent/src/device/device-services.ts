// The device's identity and everything that hangs off it: pairing and owner-only admin (the device web), the
// app store, certificates from ACME, and the relay tunnel. Built by the Agent at start; each part is optional in
// configuration except identity and pairing, which every device has.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AppOperations } from '../apps/operations.js';
import { ClientsStore } from '../auth/index.js';
import { CatalogClient, parsePublicKey } from '../catalog/index.js';
import type { AgentConfig } from '../config.js';
import type { SystemRoutesOptions } from '../api/routes/system.js';
import type { AgentEvents } from '../events.js';
import { loadOrCreateDeviceIdentity, loadOrCreatePairingSecret, type DeviceIdentity } from '../identity/index.js';
import { hostOf, type Ingress } from '../ingress/proxy.js';
import { hostFor } from '../ingress/route-table.js';
import { PairingService } from '../pairing/pairing-service.js';
import type { AppRecordStore } from '../state/app-records.js';
// TLS (acme-client and its crypto stack), the tunnel and QR rendering load only when used: a device without a relay
// configured (development, the LAN-only case) does not pay their memory.
import type { AcmeCertificateSource, TlsTerminator } from '../tls/index.js';
import type { TunnelClient } from '../tunnel/client.js';
import { buildDeviceWeb } from './device-web.js';

export interface DeviceServicesDeps {
  config: AgentConfig;
  logger: Logger;
  ingress: Ingress;
  operations: AppOperations;
  store: AppRecordStore;
  events: AgentEvents;
  system: SystemRoutesOptions;
  version: string;
  startedAt: number;
}

/** Loads (or creates) the identity first: the device domain derives from it when a relay zone is configured. */
export async function loadIdentity(dataDir: string, logger: Logger): Promise<DeviceIdentity> {
  return loadOrCreateDeviceIdentity({ dir: join(dataDir, 'identity'), logger });
}

export function deviceDomainFor(config: AgentConfig, identity: DeviceIdentity): string {
  return config.relay ? `${identity.deviceId}.${config.relay.zone}` : config.deviceDomain;
}

export class DeviceServices {
  pairing!: PairingService;
  private clients!: ClientsStore;
  private web!: FastifyInstance;
  private tunnel: TunnelClient | undefined;
  private source: AcmeCertificateSource | undefined;
  private terminator: TlsTerminator | undefined;
  private unsubscribe: (() => void) | undefined;
  private certNames = '';
  private certTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly d: DeviceServicesDeps,
    readonly identity: DeviceIdentity,
    readonly deviceDomain: string,
  ) {}

  async start(): Promise<void> {
    const { config, logger } = this.d;
    const dir = join(config.dataDir, 'identity');
    const secret = await loadOrCreatePairingSecret({ dir, provisioningFile: config.pairing.secretFile, logger });
    const clients = await ClientsStore.open({ path: join(config.dataDir, 'auth', 'clients.json'), logger });
    this.clients = clients;
    this.pairing = new PairingService({ identity: this.identity, secret, clients, logger: logger.child({ module: 'pairing' }), resetMarkerPath: config.pairing.resetMarker, resetConsumedPath: join(dir, 'reset-marker-consumed') });
    await this.pairing.applyResetMarker();
    const catalog = config.catalog
      ? new CatalogClient({ baseUrl: config.catalog.url, publicKey: parsePublicKey(config.catalog.publicKey), statePath: join(config.dataDir, 'state', 'catalog.json'), logger })
      : undefined;
    this.web = buildDeviceWeb({
      logger,
      pairing: this.pairing,
      clients,
      devicePublicKey: this.identity.publicKey,
      relayAddress: this.relayAddress(),
      operations: this.d.operations,
      system: this.d.system,
      catalog,
      phoneDir: config.phoneDir,
      info: {
        deviceId: this.identity.deviceId,
        deviceDomain: this.deviceDomain,
        version: this.d.version,
        startedAt: this.d.startedAt,
        dataDir: config.dataDir,
        relays: () => this.tunnel?.status().map((s) => ({ url: s.relay, up: s.connected })) ?? [],
      },
    });
    await this.web.ready();
    this.d.ingress.setFallback((req, res) => {
      if (hostOf(req) === this.deviceDomain) return this.web.routing(req, res);
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`No app is installed at ${hostOf(req) || 'this address'}.\n`);
    });

    if (config.tls) await this.startTls(config.tls);
    if (config.relay) await this.startTunnel(config.relay);
  }

  async stop(): Promise<void> {
    clearTimeout(this.certTimer);
    this.unsubscribe?.();
    this.tunnel?.stop();
    this.source?.stop();
    await this.terminator?.close();
    await this.web?.close();
  }

  pairingInfo(): { url: string; code: string; paired: boolean } | undefined {
    if (!this.pairing) return undefined;
    return { url: this.pairing.pairingUrl(this.relayAddress()), code: this.pairing.shortCode(), paired: this.paired() };
  }

  paired(): boolean {
    return this.clients.hasActive();
  }

  /** What the owner scans: the pairing link as a terminal QR code, plus the short code for typing. */
  async pairingBanner(): Promise<string> {
    const url = this.pairing.pairingUrl(this.relayAddress());
    const { renderPairingQr } = await import('../pairing/qr-render.js');
    const qr = await renderPairingQr(url, 'terminal');
    return `${qr}\nPair this device: scan the code above with the Hearth app, or type ${this.pairing.shortCode()}\n${url}\n`;
  }

  /** Where a phone reaches this device (the pairing link's `r`): its own name, through the relay's public port. */
  relayAddress(): string {
    const port = this.d.config.relay?.publicPort ?? 443;
    return port === 443 ? this.deviceDomain : `${this.deviceDomain}:${port}`;
  }

  private async startTls(tls: NonNullable<AgentConfig['tls']>): Promise<void> {
    const { config, logger } = this.d;
    const { AcmeCertificateSource, TlsTerminator } = await import('../tls/index.js');
    this.source = new AcmeCertificateSource({
      dataDir: config.dataDir,
      directoryUrl: tls.acmeDirectoryUrl,
      directoryCaPem: tls.acmeCaFile ? await readFile(tls.acmeCaFile, 'utf8') : undefined,
      email: tls.email,
      logger: logger.child({ module: 'tls' }),
    });
    this.terminator = new TlsTerminator({ source: this.source, handler: this.d.ingress.handler, upgrade: this.d.ingress.upgrade, logger });
    if (tls.localPort > 0) await this.terminator.listenLocal(tls.localPort, tls.localHost);
    // Every app route needs a name on the certificate; re-issue (debounced) when the set of names changes.
    this.unsubscribe = this.d.events.subscribe((e) => {
      if (e.type === 'converged' || e.type === 'rolled-back') this.scheduleCertificate(2_000);
    });
    this.scheduleCertificate(0);
  }

  private async startTunnel(relay: NonNullable<AgentConfig['relay']>): Promise<void> {
    const { logger } = this.d;
    const { TunnelClient } = await import('../tunnel/client.js');
    this.tunnel = new TunnelClient({
      relays: relay.urls,
      keyPair: this.identity.tunnelKeyPair(),
      domains: relay.domains,
      ca: relay.caFile ? await readFile(relay.caFile) : undefined,
      logger: logger.child({ module: 'tunnel' }),
    });
    this.tunnel.on('stream', (stream, meta) => {
      if (!this.terminator) return stream.destroy();
      // ACME validations must arrive inside the tunnel's TLS (the relay sends them there): on a plain data connection
      // someone on this device's network path could have answered in its place.
      if (meta.kind === 'tls') this.terminator.handleConnection(stream, { refuseAcme: meta.dataConnection === true });
      else this.terminator.handlePlainConnection(stream);
    });
    // ACME validates through the relay, so the first issuance waits for a tunnel.
    this.tunnel.on('up', () => this.scheduleCertificate(0, true));
    this.tunnel.start();
  }

  // Coalesces, never postpones: 'converged' arrives for every app on every pass, so restarting the timer on each
  // event would starve it whenever passes come faster than the delay.
  private scheduleCertificate(delayMs: number, force = false): void {
    if (!this.source) return;
    if (this.certTimer && !force) return;
    clearTimeout(this.certTimer);
    this.certTimer = setTimeout(() => {
      this.certTimer = undefined;
      void this.ensureCertificate(force);
    }, delayMs);
    this.certTimer.unref();
  }

  private async ensureCertificate(force: boolean): Promise<void> {
    if (!this.source) return;
    if (this.d.config.relay && !this.tunnel?.status().some((s) => s.connected)) return; // retried on 'up'
    const names = [this.deviceDomain];
    for (const id of this.d.store.ids()) {
      for (const r of this.d.store.get(id)?.manifest.routes ?? []) names.push(hostFor(r.subdomain, id, this.deviceDomain));
    }
    const key = [...new Set(names)].sort().join(',');
    if (key === this.certNames && !force) return;
    this.certNames = key;
    try {
      await this.source.ensure(key.split(','));
    } catch (err) {
      this.certNames = '';
      this.d.logger.warn({ err: (err as Error).message }, 'certificate not issued yet; will retry');
    }
  }
}
