// A device as its own process (so it can run inside a network namespace): TunnelClient + an HTTPS server fed by the
// tunnel's streams. Reads a JSON config path from argv; prints one JSON line per tunnel event on stdout.
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import { pino } from 'pino';
import { TunnelClient } from '../../agent/src/tunnel/client.js';
import { ed25519 } from '@noble/curves/ed25519.js';

interface DeviceProcConfig {
  relays: string[];
  caPath: string;
  certPath: string;
  keyPath: string;
  seedHex: string;
  backoffMaxMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveTimeoutMs?: number;
}

const config = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as DeviceProcConfig;
const secretKey = Buffer.from(config.seedHex, 'hex');
const client = new TunnelClient({
  relays: config.relays,
  keyPair: { secretKey, publicKey: ed25519.getPublicKey(secretKey) },
  ca: await readFile(config.caPath),
  logger: pino({ level: process.env.RELAY_TEST_LOG ?? 'silent' }, pino.destination(2)),
  backoff: { initialMs: 100, maxMs: config.backoffMaxMs ?? 1000 },
  connectTimeoutMs: 2000,
  keepaliveIntervalMs: config.keepaliveIntervalMs ?? 1000,
  keepaliveTimeoutMs: config.keepaliveTimeoutMs ?? 2000,
});
const server = https.createServer({ cert: await readFile(config.certPath), key: await readFile(config.keyPath) }, (req, res) => {
  res.end(`device ${client.deviceId} ${req.url}\n`);
});
client.on('stream', (stream, meta) => {
  if (meta.kind === 'tls') server.emit('connection', stream);
  else stream.destroy();
});
client.on('up', () => process.stdout.write(`${JSON.stringify({ event: 'up', at: Date.now() })}\n`));
client.on('down', (s) => process.stdout.write(`${JSON.stringify({ event: 'down', at: Date.now(), error: s.lastError })}\n`));
client.start();
process.on('SIGTERM', () => {
  client.stop();
  process.exit(0);
});
