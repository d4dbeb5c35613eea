// What the phone shows on its Device and Updates screens.
import type { FastifyPluginAsync } from 'fastify';
import { statfs } from 'node:fs/promises';

export interface DeviceInfoSource {
  deviceId: string;
  deviceDomain: string;
  version: string;
  startedAt: number;
  dataDir: string;
  relays: () => Array<{ url: string; up: boolean }>;
}

export const deviceRoutes: FastifyPluginAsync<DeviceInfoSource> = async (app, d) => {
  app.get('/device', async () => {
    const s = await statfs(d.dataDir);
    return {
      deviceId: d.deviceId,
      deviceDomain: d.deviceDomain,
      version: d.version,
      uptimeS: Math.round((Date.now() - d.startedAt) / 1000),
      storage: { totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize },
      connectivity: { relays: d.relays(), lan: true },
    };
  });

  // OS updates come with the OTA work; until then the phone says so plainly.
  app.get('/updates', async () => ({ channel: 'stable', current: d.version, status: 'Automatic OS updates are not available on this device yet.' }));
};
