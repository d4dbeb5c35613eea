// Starts or stops an app, surviving a lost answer (lost-answer.ts). Stopping takes an app's containers and their
// network interfaces away and starting brings new ones, which is just when Chromium fails requests in flight. The
// request arrived if the device now wants for the app what was asked for.
import type { AppStatus } from '../../../agent/src/client/index.js';
import type { DeviceClient } from '../../../agent/src/client/device-client.js';
import { sendSurvivingLostAnswer } from './lost-answer.js';

export type Power = AppStatus['desired'];

export async function setAppPower(client: Pick<DeviceClient, 'start' | 'stop' | 'app'>, id: string, want: Power): Promise<void> {
  await sendSurvivingLostAnswer(
    () => (want === 'running' ? client.start(id) : client.stop(id)),
    async () => (await client.app(id)).desired === want,
  );
}
