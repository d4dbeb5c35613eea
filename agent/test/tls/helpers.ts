// Shared pieces for the TLS tests: a silent-but-capturing logger, temp data dirs, unique names and an HTTPS GET
// that trusts a given root and reports the peer certificate.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { request, type RequestOptions } from 'node:https';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { Test } from 'tap';

export interface CapturedLogger {
  logger: Logger;
  lines: () => Record<string, unknown>[];
  text: () => string;
}

export function captureLogger(): CapturedLogger {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const text = (): string => chunks.join('');
  const lines = (): Record<string, unknown>[] =>
    text().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, text };
}

export async function tempDataDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-tls-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A device domain unique to this run, under a reserved test TLD. */
export function uniqueDomain(): string {
  return `d${randomBytes(4).toString('hex')}.hearth.test`;
}

export interface HttpsResult {
  status: number;
  body: string;
  fingerprint256: string;
  alpn: string | false | null;
}

export function httpsGet(opts: { host: string; port: number; servername: string; ca: string; path?: string }): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const options: RequestOptions & { ALPNProtocols: string[] } = {
      host: opts.host, port: opts.port, servername: opts.servername, ca: opts.ca, path: opts.path ?? '/',
      headers: { host: opts.servername }, agent: false, ALPNProtocols: ['http/1.1'],
    };
    const req = request(
      options,
      (res) => {
        const sock = res.socket as import('node:tls').TLSSocket;
        const cert = sock.getPeerCertificate();
        const alpn = sock.alpnProtocol;
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, fingerprint256: cert.fingerprint256, alpn }));
      },
    );
    req.on('error', reject).end();
  });
}
