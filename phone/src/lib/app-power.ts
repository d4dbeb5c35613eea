// Starts or stops an app, surviving a lost answer (as remove-app.ts does for removals). Stopping takes an app's
// containers and their network interfaces away, starting brings new ones, and Chromium fails requests in flight when
// the interfaces of its host change; a phone changing networks loses answers the same way. So a request that got no
// answer is not taken as a failure: the device is asked what it now wants for the app. If that is what was asked
// for, the request arrived; if not, it is asked again (start and stop are idempotent: asking twice acts once).
import { isNoAnswer, type AppStatus } from '../../../agent/src/client/index.js';
import type { DeviceClient } from '../../../agent/src/client/device-client.js';

export type Power = AppStatus['desired'];

export async function setAppPower(client: Pick<DeviceClient, 'start' | 'stop' | 'app'>, id: string, want: Power): Promise<void> {
  const send = () => (want === 'running' ? client.start(id) : client.stop(id));
  try {
    await send();
  } catch (err) {
    if (!isNoAnswer(err)) throw err;
    if ((await client.app(id)).desired === want) return;
    await send();
  }
}
