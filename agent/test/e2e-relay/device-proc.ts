// The device side of the end-to-end test as its own process, so it runs inside the "home" network namespace:
// the real TunnelClient (agent/src/tunnel) feeding the TlsTerminator (agent/src/tls), which gets its certificate
// from ACME (Pebble, validated THROUGH the relay by TLS-ALPN-01 or HTTP-01) and hands decrypted requests to the
// real Ingress (agent/src/ingress) proxying to the app container. Config: a JSON file path in argv[2].
// Prints one JSON line per event on stdout: tunnel up/down, cert issued (with fingerprint), fatal errors.
import { readFile } from 'node:fs/promises';
import { ed25519 } from '@noble/curves/ed25519.js';
import { pino } from 'pino';
import { TunnelClient } from '../../src/tunnel/client.js';
import { Ingress } from '../../src/ingress/proxy.js';
import { AcmeCertificateSource, TlsTerminator, type ChallengeType } from '../../src/tls/index.js';

interface DeviceProcConfig {
  relays: string[];
  tunnelCaPath: string;
  seedHex: string;
  dataDir: string;
  directoryUrl: string;
  directoryCaPath: string;
  challenge: ChallengeType;
  zone: string;
  /** subdomain -> upstream (inside this namespace) */
  apps: Record<string, { ip: string; port: number }>;
}

const emit = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(event)}\n`);
const config = JSON.parse(await readFile(process.argv[2] as string, 'utf8')) as DeviceProcConfig;
const logger = pino({ level: process.env.E2E_DEVICE_LOG ?? 'warn' }, pino.destination(2));
const secretKey = Buffer.from(config.seedHex, 'hex');

const client = new TunnelClient({
  relays: config.relays,
  keyPair: { secretKey, publicKey: ed25519.getPublicKey(secretKey) },
  ca: await readFile(config.tunnelCaPath),
  logger,
  backoff: { initialMs: 100, maxMs: 1000 },
  connectTimeoutMs: 2000,
  keepaliveIntervalMs: 1000,
  keepaliveTimeoutMs: 2000,
});
const deviceDomain = `${client.deviceId}.${config.zone}`;

const ingress = new Ingress({ logger });
ingress.setRoutes(new Map(Object.entries(config.apps).map(([sub, up]) => [
  `${sub}.${deviceDomain}`, { app: sub, service: 'web', containerId: `c-${sub}`, ip: up.ip, port: up.port },
])));

const source = new AcmeCertificateSource({
  dataDir: config.dataDir,
  directoryUrl: config.directoryUrl,
  directoryCaPem: await readFile(config.directoryCaPath, 'utf8'),
  challengeTypes: [config.challenge],
  logger,
  pollBackoff: { attempts: 10, minMs: 200, maxMs: 1000 },
  onChange: (bundle, how) => emit({ event: 'cert', how, names: bundle.names, fingerprint: bundle.fingerprint256 }),
});
const terminator = new TlsTerminator({ source, logger, handler: ingress.handler, upgrade: ingress.upgrade });

client.on('stream', (stream, meta) => {
  if (meta.kind === 'tls') terminator.handleConnection(stream);
  else terminator.handlePlainConnection(stream);
});
let issuing = false;
client.on('up', () => {
  emit({ event: 'up' });
  if (issuing) return;
  issuing = true;
  // The CA can validate only once the relay routes this device's names to us.
  source.ensure([deviceDomain, ...Object.keys(config.apps).map((sub) => `${sub}.${deviceDomain}`)]).catch((err: Error) => {
    emit({ event: 'error', message: err.message });
  });
});
client.on('down', (s) => emit({ event: 'down', error: s.lastError }));
client.start();
emit({ event: 'started', deviceId: client.deviceId, deviceDomain });

process.on('SIGTERM', () => {
  client.stop();
  source.stop();
  void terminator.close().then(() => process.exit(0));
});
