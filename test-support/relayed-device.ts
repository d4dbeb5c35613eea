// A whole device behind a relay on loopback: a real relay (ephemeral ports), Pebble validating through the relay's
// public ports, and startDevice() configured with `relay` + `tls` as production is (no LAN HTTPS listener, so the
// relay is the only way in). Shared by the agent's and the phone's over-the-relay tests.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentConfig } from '../agent/src/config.js';
import { ZONE, startRelay, tempDir } from '../relay/test/fixtures.js';
import { startDevice, type Device } from './device-harness.js';
import { startPebble, type Pebble } from './pebble.js';

export interface RelayedDevice {
  dev: Device;
  /** <device id>.relay.test */
  domain: string;
  relay: Awaited<ReturnType<typeof startRelay>>;
  pebble: Pebble;
  /** Pebble's root for this run, as a file (for curl --cacert) and PEM text. */
  rootPath: string;
  rootPem: string;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

export async function startRelayedDevice(t: Teardown, overrides: Partial<AgentConfig> = {}): Promise<RelayedDevice> {
  const dir = await tempDir(t, 'hearth-relayed-');
  const relay = await startRelay(t, dir);
  const { ports, tunnelCert } = relay;
  // challtestsrv resolves every name to 127.0.0.1: HTTP-01 on the relay's :http, TLS-ALPN-01 on its :https.
  const pebble = await startPebble({ httpPort: ports.http!, tlsPort: ports.https });
  t.teardown(() => pebble.stop());
  const acmeCaFile = join(dir, 'pebble-listener.pem');
  await writeFile(acmeCaFile, pebble.listenerCaPem);
  const dev = await startDevice(t, {
    overrides: {
      relay: { urls: [`tls://127.0.0.1:${ports.tunnel}`], zone: ZONE, caFile: tunnelCert.cert, publicPort: ports.https },
      tls: { acmeDirectoryUrl: pebble.directoryUrl, acmeCaFile, localPort: 0, localHost: '127.0.0.1' },
      ...overrides,
    },
  });
  const rootPem = await pebble.rootCaPem();
  const rootPath = join(dir, 'pebble-root.pem');
  await writeFile(rootPath, rootPem);
  return { dev, domain: dev.agent.device!.deviceDomain, relay, pebble, rootPath, rootPem };
}
