// The relay's reading of a ClientHello: the name that picks the device, and whether it is an ACME TLS-ALPN-01
// validation (which must stay inside the tunnel: docs/RELAY.md). The parsing itself is the device's own strict
// parser (agent/src/tls/client-hello.ts); a connection without a server_name cannot be routed, so it is invalid here.
import { ACME_TLS_ALPN, MAX_CLIENT_HELLO_BYTES, parseClientHello } from '../../agent/src/tls/client-hello.js';

export type SniResult =
  | { kind: 'incomplete' }
  | { kind: 'ok'; serverName: string; acmeAlpn: boolean }
  | { kind: 'invalid'; reason: string };

/** Parses as much of `data` (the first bytes a client sent) as is there. */
export function readSni(data: Uint8Array, maxBytes = MAX_CLIENT_HELLO_BYTES): SniResult {
  const hello = parseClientHello(data, maxBytes);
  if (hello.kind !== 'ok') return hello;
  if (hello.serverName === undefined) return { kind: 'invalid', reason: 'no server_name' };
  return { kind: 'ok', serverName: hello.serverName, acmeAlpn: hello.alpn.includes(ACME_TLS_ALPN) };
}

/** A fatal TLS alert (unrecognized_name, 112) sent before closing when no device serves the name. */
export const ALERT_UNRECOGNIZED_NAME = Buffer.from([0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x70]);
