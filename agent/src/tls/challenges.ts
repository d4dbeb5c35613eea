// Pending ACME challenge answers, held in memory only for the seconds a validation takes. The ACME source fills
// it; the TLS terminator and the port-80 handler read it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { ChallengeResponder } from './types.js';

const HTTP01_PREFIX = '/.well-known/acme-challenge/';
const TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

export class ChallengeStore implements ChallengeResponder {
  private readonly httpTokens = new Map<string, string>();
  private readonly alpnContexts = new Map<string, SecureContext>();

  setHttpToken(token: string, keyAuthorization: string): void {
    if (!TOKEN.test(token)) throw new Error(`invalid HTTP-01 token "${token.slice(0, 40)}"`);
    this.httpTokens.set(token, keyAuthorization);
  }

  removeHttpToken(token: string): void {
    this.httpTokens.delete(token);
  }

  setAlpnCertificate(name: string, keyPem: string, certPem: string): void {
    this.alpnContexts.set(name, createSecureContext({ key: keyPem, cert: certPem }));
  }

  removeAlpnCertificate(name: string): void {
    this.alpnContexts.delete(name);
  }

  alpnContext(servername: string): SecureContext | undefined {
    return this.alpnContexts.get(servername.toLowerCase());
  }

  handleHttp(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '';
    if (!url.startsWith(HTTP01_PREFIX)) return false;
    const token = url.slice(HTTP01_PREFIX.length).split('?')[0] ?? '';
    const answer = req.method === 'GET' || req.method === 'HEAD' ? this.httpTokens.get(token) : undefined;
    if (answer === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such challenge\n');
    } else {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(req.method === 'HEAD' ? undefined : answer);
    }
    return true;
  }
}
