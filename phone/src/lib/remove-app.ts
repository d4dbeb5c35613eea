// Removes an app, surviving a lost answer. The removal can outlive the request that asked for it (the device waits
// for the containers to go, and a container going away is itself a network change Chromium may fail requests for),
// so a request that got no answer is not taken as a failure: an app the device no longer has is removed; one it
// still has is asked for again (a removal is idempotent: asking twice removes once).
import { ApiError, isNoAnswer } from '../../../agent/src/client/index.js';
import type { DeviceClient } from '../../../agent/src/client/device-client.js';

export async function removeApp(client: DeviceClient, id: string, keepData: boolean): Promise<void> {
  try {
    await client.remove(id, keepData);
  } catch (err) {
    if (!isNoAnswer(err)) throw err;
    if (!(await stillThere(client, id))) return;
    await client.remove(id, keepData).catch((again: unknown) => {
      if (!(again instanceof ApiError && again.status === 404)) throw again;
    });
  }
}

async function stillThere(client: DeviceClient, id: string): Promise<boolean> {
  try {
    await client.app(id);
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return false;
    throw err;
  }
}
