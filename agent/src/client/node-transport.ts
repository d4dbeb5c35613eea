// Node transport: http over the agent's unix socket (the CLI's default) or over TCP.
import http from 'node:http';
import { Readable } from 'node:stream';
import type { Transport } from './transport.js';

export type NodeTarget = { socketPath: string } | { host: string; port: number };

export function nodeTransport(target: NodeTarget): Transport {
  return (req) =>
    new Promise((resolve, reject) => {
      const r = http.request({ ...target, method: req.method, path: req.path, headers: req.headers }, (res) => {
        resolve({ status: res.statusCode ?? 0, body: res });
      });
      r.on('error', reject);
      if (req.body === undefined) r.end();
      else if (typeof req.body === 'string' || req.body instanceof Uint8Array) r.end(req.body);
      else Readable.from(req.body).pipe(r);
    });
}

/** `HEARTH_API`: a unix socket path or an http:// URL; default the device's socket. */
export function targetFromEnv(value: string | undefined, fallbackSocket = '/run/hearth/agent.sock'): NodeTarget {
  if (!value) return { socketPath: fallbackSocket };
  if (/^https?:\/\//.test(value)) {
    const u = new URL(value);
    return { host: u.hostname, port: Number(u.port || 80) };
  }
  return { socketPath: value };
}
