// The root object: builds every module from the configuration and hands each its dependencies. No module
// holds global state, so a test can build an agent with other parts (another engine, a fake clock, port 0).
import { chmod, mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { buildApi } from './api/server.js';
import type { SystemRoutesOptions } from './api/routes/system.js';
import { AppOperations } from './apps/operations.js';
import type { AgentConfig } from './config.js';
import { DockerEngine } from './engine/docker-engine.js';
import type { Engine } from './engine/engine.js';
import { AgentEvents } from './events.js';
import { Executor } from './executor/executor.js';
import { AppIsolation } from './firewall/isolation.js';
import { HealthMonitor } from './health/monitor.js';
import { Ingress } from './ingress/proxy.js';
import { RestartTracker } from './lifecycle/backoff.js';
import { AppLocks } from './lifecycle/locks.js';
import { Observer } from './reconciler/observe.js';
import { Reconciler } from './reconciler/reconciler.js';
import { AppRecordStore } from './state/app-records.js';
import { AppPaths } from './volumes/paths.js';
import { Snapshots } from './volumes/snapshots.js';
import { DeviceServices, deviceDomainFor, loadIdentity } from './device/device-services.js';
import type { DeviceIdentity } from './identity/index.js';

export const AGENT_VERSION = '0.1.0';

function defaultLogger(config: AgentConfig): Logger {
  return pino({ level: config.logLevel, base: { svc: 'hearth-agent' } });
}

export interface AgentParts {
  engine?: Engine;
  logger?: Logger;
  now?: () => number;
}

export class Agent {
  readonly engine: Engine;
  readonly logger: Logger;
  readonly events = new AgentEvents();
  readonly store: AppRecordStore;
  readonly ingress: Ingress;
  readonly health: HealthMonitor;
  readonly reconciler: Reconciler;
  readonly operations: AppOperations;
  readonly api: FastifyInstance;
  device: DeviceServices | undefined;
  private readonly system: SystemRoutesOptions;
  private ingressServer: Server | undefined;
  private readonly startedAt: number;

  /** Loads the device identity first, because with a relay zone the device domain derives from it. */
  static async create(config: AgentConfig, parts: AgentParts = {}): Promise<Agent> {
    const logger = parts.logger ?? defaultLogger(config);
    await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
    const identity = await loadIdentity(config.dataDir, logger);
    return new Agent({ ...config, deviceDomain: deviceDomainFor(config, identity) }, { ...parts, logger }, identity);
  }

  constructor(
    readonly config: AgentConfig,
    private readonly parts: AgentParts = {},
    private identity?: DeviceIdentity,
  ) {
    const now = parts.now ?? Date.now;
    this.startedAt = now();
    this.logger = parts.logger ?? defaultLogger(config);
    this.engine = parts.engine ?? new DockerEngine(config.engine.socketPath, config.engine.scope);
    const paths = new AppPaths(config.dataDir);
    this.store = new AppRecordStore(paths.stateFile());
    const locks = new AppLocks(now);
    const restarts = new RestartTracker();
    const stoppedByAgent = new Set<string>();
    this.ingress = new Ingress({ logger: this.logger.child({ module: 'ingress' }) });
    // Health transitions wake the reconciler: that is what makes an update switch as soon as the new version is healthy.
    this.health = new HealthMonitor(this.engine, now, () => this.reconciler.trigger());
    const executor = new Executor({
      engine: this.engine,
      store: this.store,
      paths,
      ingress: this.ingress,
      health: this.health,
      restarts,
      snapshots: new Snapshots(paths),
      logger: this.logger.child({ module: 'executor' }),
      now,
      stoppedByAgent,
      diskReserveBytes: config.diskReserveMb * 1024 * 1024,
      stopTimeoutSeconds: config.stopTimeoutSeconds,
      drainTimeoutMs: 15_000,
      onPullProgress: (app, image, p) =>
        this.events.emit({ type: 'pull', app, image, status: p.status, layer: p.id, current: p.current, total: p.total, at: now() }),
    });
    this.reconciler = new Reconciler({
      engine: this.engine,
      store: this.store,
      observer: new Observer(this.engine, this.health, paths),
      executor,
      ingress: this.ingress,
      restarts,
      locks,
      paths,
      events: this.events,
      logger: this.logger.child({ module: 'reconciler' }),
      now,
      deviceDomain: config.deviceDomain,
      stoppedByAgent,
      intervalMs: config.reconcileIntervalMs,
      maxUpdateFailures: config.maxUpdateFailures,
      isolation: new AppIsolation(config.engine.scope, this.logger.child({ module: 'isolation' })),
    });
    this.operations = new AppOperations({
      store: this.store,
      engine: this.engine,
      reconciler: this.reconciler,
      locks,
      restarts,
      paths,
      events: this.events,
      now,
      deviceDomain: config.deviceDomain,
      scheme: () => 'http',
    });
    this.system = {
      engine: this.engine,
      events: this.events,
      operations: this.operations,
      version: AGENT_VERSION,
      startedAt: this.startedAt,
      deviceDomain: config.deviceDomain,
      lastPassMs: () => this.reconciler.lastPass()?.durationMs,
    };
    this.api = buildApi({ operations: this.operations, logger: this.logger, system: this.system, pairing: () => this.device?.pairingInfo() });
  }

  /** Loads state, starts the reconciler (adopting running containers), the ingress and the API. */
  async start(): Promise<void> {
    // Where start-up time goes, logged with 'agent started' (on a device, boot time is mostly the agent's start).
    const startupMs: Record<string, number> = { beforeStart: Math.round(performance.now()) };
    let last = performance.now();
    const phase = (name: string) => {
      const now = performance.now();
      startupMs[name] = Math.round(now - last);
      last = now;
    };
    await mkdir(this.config.dataDir, { recursive: true, mode: 0o700 });
    await this.store.load();
    phase('state');
    await this.engine.ping().catch((err: Error) => {
      throw new Error(`cannot reach the container engine at ${this.config.engine.socketPath}: ${err.message}`, { cause: err });
    });
    phase('engine');
    this.reconciler.start();
    this.ingressServer = await this.ingress.listen(this.config.ingress.port, this.config.ingress.host);
    const sock = this.config.api.socketPath;
    await mkdir(dirname(sock), { recursive: true });
    await rm(sock, { force: true });
    await this.api.listen({ path: sock });
    await chmod(sock, 0o600); // root only: the local admin API is the owner's console
    if (this.config.api.tcp) {
      // fastify listens on one address per instance; the loopback TCP listener shares its routes.
      await this.listenTcp(this.config.api.tcp.host, this.config.api.tcp.port);
    }
    phase('listeners');
    this.identity ??= await loadIdentity(this.config.dataDir, this.logger);
    this.device = new DeviceServices(
      {
        config: this.config,
        logger: this.logger,
        ingress: this.ingress,
        operations: this.operations,
        store: this.store,
        events: this.events,
        system: this.system,
        version: AGENT_VERSION,
        startedAt: this.startedAt,
      },
      this.identity,
      this.config.deviceDomain,
    );
    await this.device.start();
    phase('device');
    this.logger.info({ api: sock, tcp: this.config.api.tcp, ingress: this.ingressAddress(), startupMs }, 'agent started');
  }

  async stop(): Promise<void> {
    await this.device?.stop();
    this.reconciler.stop();
    this.health.stop();
    await this.api.close();
    this.tcpServer?.close();
    this.tcpServer?.closeAllConnections();
    await new Promise<void>((r) => (this.ingressServer ? this.ingressServer.close(() => r()) : r()));
    this.ingressServer?.closeAllConnections();
    this.ingress.close();
  }

  ingressAddress(): { host: string; port: number } | undefined {
    const a = this.ingressServer?.address();
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : undefined;
  }

  apiTcpAddress(): { host: string; port: number } | undefined {
    const a = this.tcpServer?.address();
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : undefined;
  }

  private tcpServer: Server | undefined;

  private async listenTcp(host: string, port: number): Promise<void> {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => this.api.routing(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.tcpServer = server;
  }
}
