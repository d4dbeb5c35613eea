// A write whose answer may be lost (a phone changing networks; Chromium failing requests in flight when its host's
// interfaces change, as they do when app containers come and go). A request that got no answer is not taken as a
// failure: the device is asked whether it arrived, and it is sent again only if it did not. Only for writes that
// are idempotent (asking twice acts once). Any other error, or a second lost answer, reaches the owner.
import { isNoAnswer } from '../../../agent/src/client/index.js';

export async function sendSurvivingLostAnswer(
  send: () => Promise<unknown>,
  arrived: () => Promise<boolean>,
  sendAgain: () => Promise<unknown> = send,
): Promise<void> {
  try {
    await send();
  } catch (err) {
    if (!isNoAnswer(err)) throw err;
    if (await arrived()) return;
    await sendAgain();
  }
}
