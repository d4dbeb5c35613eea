// Removes an app, surviving a lost answer (lost-answer.ts). The removal can outlive the request that asked for it (the
// device waits for the containers to go, and a container going away is itself a network change Chromium may fail
// requests for). The request arrived if the device no longer has the app; asked again, a 404 means it is gone.
import { ApiError } from '../../../agent/src/client/index.js';
import type { DeviceClient } from '../../../agent/src/client/device-client.js';
import { sendSurvivingLostAnswer } from './lost-answer.js';

export async function removeApp(client: DeviceClient, id: string, keepData: boolean): Promise<void> {
  await sendSurvivingLostAnswer(
    () => client.remove(id, keepData),
    async () => !(await stillThere(client, id)),
    () =>
      client.remove(id, keepData).catch((again: unknown) => {
        if (!(again instanceof ApiError && again.status === 404)) throw again;
      }),
  );
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
