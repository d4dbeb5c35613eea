// Pure: any failure -> one sentence an owner can act on. Status codes, stacks and protocol words stay out of the UI;
// the technical message goes to the console only (it never contains secrets: signatures and keys are not in errors).
export type ErrorContext = 'pair' | 'admin';

interface ErrorShape {
  name?: string;
  message?: string;
  status?: number;
  code?: string;
}

/** Errors whose message is already written for the owner (pairing link parsing, local checks). */
export class OwnerMessage extends Error {
  override name = 'OwnerMessage';
}

export const UNREACHABLE = "Your Hearth can't be reached right now. Check that it is switched on and connected, then try again.";

export function describeError(err: unknown, context: ErrorContext = 'admin'): string {
  const e = (err && typeof err === 'object' ? err : { message: String(err) }) as ErrorShape;
  if (e.name === 'OwnerMessage' && e.message) return e.message;
  if (isNetworkError(e)) return UNREACHABLE;
  if (e.name === 'PairingFailed' && e.status === undefined) return pairingCheckFailed(e.message ?? '');
  const status = typeof e.status === 'number' ? e.status : undefined;
  if (status === undefined) {
    if (e.name === 'DataError' || e.name === 'InvalidStateError' || e.name === 'QuotaExceededError') {
      return "This browser couldn't keep the phone's key. Private browsing can block it: open the app in a normal window.";
    }
    return 'Something unexpected went wrong. Please try again.';
  }
  if (status === 0) return 'The connection to your Hearth dropped before it finished. Look at the Apps screen to see where it got to.';
  return context === 'pair' ? pairingStatus(status) : adminStatus(status, e.message);
}

function isNetworkError(e: ErrorShape): boolean {
  // fetch() rejects with a TypeError ("Failed to fetch", "fetch failed", "NetworkError ...") when nothing answers.
  return e.name === 'TypeError' && /fetch|network|load failed/i.test(e.message ?? '');
}

function pairingCheckFailed(message: string): string {
  if (/code does not match/i.test(message)) return wrongCode;
  if (/not the device in the QR/i.test(message)) return 'This pairing code belongs to a different Hearth than the one this page is open on.';
  return "This device could not prove it is your Hearth, so pairing stopped. Don't continue; check you typed the right address.";
}

const wrongCode = "That code isn't right. Check the 8 digits shown by your Hearth and try again.";

function pairingStatus(status: number): string {
  if (status === 401) return wrongCode;
  if (status === 403) {
    return 'This Hearth already has an owner. To add this phone, open Clients on a phone that is already paired and create an invite.';
  }
  if (status === 429) return 'Too many pairing attempts. Wait 15 minutes, then try again.';
  if (status === 400) return "That pairing code couldn't be used. Scan the QR code again or type the 8-digit code.";
  if (status === 410 || status === 404) return 'That pairing session expired. Please start again.';
  return serverTrouble(status);
}

function adminStatus(status: number, message: string | undefined): string {
  if (status === 401) return "Your Hearth doesn't recognise this phone any more (it may have been reset). Pair this phone again.";
  if (status === 403) return 'This phone has been removed from your Hearth. Pair it again from a phone that still has access.';
  if (status === 404) return 'That is no longer on your Hearth. Refresh to see what is there now.';
  if (status === 409) return 'Your Hearth is busy with this app right now. Wait a moment and try again.';
  if (status === 413) return 'That is too large for your Hearth to accept.';
  if (status === 429) return 'Your Hearth is handling a lot right now. Wait a moment and try again.';
  if (status >= 400 && status < 500) return `Your Hearth couldn't do that: ${plain(message)}`;
  return serverTrouble(status);
}

function serverTrouble(status: number): string {
  if (status === 502 || status === 503 || status === 504) return 'Your Hearth is starting up or busy. Try again in a minute.';
  return 'Something went wrong on your Hearth. Try again in a minute; if it keeps happening, restart the device.';
}

/** A device-written sentence, first line only and bounded, so a long or odd message never floods the screen. */
function plain(message: string | undefined): string {
  const first = (message ?? '').split('\n')[0]!.trim();
  if (!first) return 'it refused the request.';
  return first.length > 200 ? `${first.slice(0, 197)}...` : first;
}
