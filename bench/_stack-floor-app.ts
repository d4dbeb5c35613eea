// What every agent built on the brief's decided stack holds before any logic of its own: the libraries the agent
// bundles (fastify with a TypeBox-validated route on a unix socket, an HTTP listener that upgrades to WebSocket,
// dockerode asking the engine for its containers every second, pino, yaml, semver, noble's Ed25519 and SHA-256), loaded
// and idle. Bundled and run by bench/_stack-floor.ts exactly as the agent's bundle is run, for `stack_floor_rss_mb`.
import http from 'node:http';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Type } from '@sinclair/typebox';
import Docker from 'dockerode';
import Fastify from 'fastify';
import pino from 'pino';
import semver from 'semver';
import { WebSocketServer } from 'ws';
import YAML from 'yaml';

const [apiSocket, engineSocket] = [process.env.FLOOR_API_SOCKET, process.env.FLOOR_ENGINE_SOCKET];
if (!apiSocket || !engineSocket) throw new Error('FLOOR_API_SOCKET and FLOOR_ENGINE_SOCKET must be set');
const api = Fastify({ loggerInstance: pino({ level: 'warn' }) });
api.post('/v1/apps', { schema: { body: Type.Object({ id: Type.String() }) } }, async (req) => ({ id: (req.body as { id: string }).id }));
api.get('/v1/health', async () => ({ version: semver.valid('1.0.0'), yaml: YAML.stringify({ ok: true }), hash: sha256(new Uint8Array(1)).length }));
await api.listen({ path: apiSocket });
const sockets = new WebSocketServer({ noServer: true });
const ingress = http.createServer((_req, res) => res.end('ok'));
ingress.on('upgrade', (req, socket, head) => sockets.handleUpgrade(req, socket, head, (ws) => ws.close()));
await new Promise<void>((ready) => ingress.listen(0, '127.0.0.1', ready));
ed25519.getPublicKey(ed25519.utils.randomSecretKey());
const engine = new Docker({ socketPath: engineSocket });
setInterval(() => void engine.listContainers({ all: true }).catch(() => undefined), 1000);
process.stdout.write('ready\n');
