// Port 80 only carries ACME HTTP-01 challenges (passed through to the device by Host header) and redirects.
// This reads just the request line and the Host header of the first request; the rest of the bytes go to the device.
import type { PeekDecision } from './peek.js';

export const MAX_HTTP_HEAD_BYTES = 8 * 1024;
export const ACME_PREFIX = '/.well-known/acme-challenge/';

export interface HttpHead {
  method: string;
  target: string;
  host: string;
}

const REQUEST_LINE = /^([A-Z]{1,16}) (\S{1,4096}) HTTP\/1\.[01]$/;
const HOST = /^[a-z0-9.-]{1,253}$/;

export function parseHttpHead(data: Buffer): PeekDecision<{ head: HttpHead }> {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return data.length > MAX_HTTP_HEAD_BYTES ? { kind: 'invalid', reason: 'request head too large' } : { kind: 'incomplete' };
  const lines = data.subarray(0, end).toString('latin1').split('\r\n');
  const match = REQUEST_LINE.exec(lines[0] ?? '');
  if (!match) return { kind: 'invalid', reason: 'malformed request line' };
  let host: string | undefined;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return { kind: 'invalid', reason: 'malformed header line' };
    if (line.slice(0, colon).toLowerCase() !== 'host') continue;
    if (host !== undefined) return { kind: 'invalid', reason: 'more than one Host header' };
    host = line.slice(colon + 1).trim().toLowerCase().replace(/:\d{1,5}$/, '');
  }
  if (host === undefined || !HOST.test(host)) return { kind: 'invalid', reason: 'missing or invalid Host header' };
  return { kind: 'ok', head: { method: match[1]!, target: match[2]!, host } };
}

export function isAcmeChallenge(head: HttpHead): boolean {
  return (head.method === 'GET' || head.method === 'HEAD') && head.target.startsWith(ACME_PREFIX);
}

/** The whole response for anything else on port 80: a permanent redirect that keeps the method (308). */
export function redirectResponse(head: HttpHead): string {
  const target = head.target.startsWith('/') ? head.target : '/';
  const location = `https://${head.host}${target}`;
  return `HTTP/1.1 308 Permanent Redirect\r\nLocation: ${location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;
}

export const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';
export const NOT_FOUND = 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';
