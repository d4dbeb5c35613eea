// Removes a paired client's access, surviving a lost answer (lost-answer.ts). The device keeps a revoked client in
// its list with `revokedAt`, so the request arrived if the client is no longer active there. When the phone revokes
// itself, asking afterwards is refused with HEARTH_AUTH_REVOKED: that refusal is itself the proof it arrived.
import { ApiError } from '../../../agent/src/client/index.js';
import type { DeviceClient } from '../../../agent/src/client/device-client.js';
import { sendSurvivingLostAnswer } from './lost-answer.js';

export async function revokeClient(client: Pick<DeviceClient, 'revokeClient' | 'clients'>, id: string): Promise<void> {
  await sendSurvivingLostAnswer(
    () => client.revokeClient(id),
    async () => {
      try {
        return !(await client.clients()).some((c) => c.id === id && c.revokedAt === undefined);
      } catch (err) {
        if (isRevokedMe(err)) return true;
        throw err;
      }
    },
    // Sent again: the first request may still have arrived late; the device then says the client is not active
    // (404) or, for this phone, that it is revoked. Both mean done.
    () =>
      client.revokeClient(id).catch((again: unknown) => {
        if (!(isRevokedMe(again) || (again instanceof ApiError && again.status === 404))) throw again;
      }),
  );
}

function isRevokedMe(err: unknown): boolean {
  return err instanceof ApiError && err.code === 'HEARTH_AUTH_REVOKED';
}
