// Pure: when the install's progress stream breaks (the phone changed networks, the relay path blipped), the install
// may well go on on the device. The phone then asks for the app's status until it can tell how the install ended.
// An install is a write and is never sent twice: this only reads.
import type { AppStatus } from '../../../agent/src/client/index.js';

export type InstallVerdict =
  | { state: 'waiting'; label: string }
  | { state: 'ok'; app: AppStatus }
  | { state: 'failed'; message: string };

export interface RecoveryLimits {
  /** How long an absent or unchanged app may mean "the device has not started on it yet". */
  notStartedMs: number;
  /** How long to follow an install that is under way before giving up on it. */
  giveUpMs: number;
}

export const RECOVERY_LIMITS: RecoveryLimits = { notStartedMs: 15_000, giveUpMs: 5 * 60_000 };

const UNDER_WAY: ReadonlySet<AppStatus['phase']> = new Set(['installing', 'starting', 'updating', 'rolling-back']);

/**
 * `app`: the app's status now (undefined when the device has no such app); `version`: the version the phone asked
 * for; `waitedMs`: since the stream broke.
 */
export function installVerdict(app: AppStatus | undefined, version: string, waitedMs: number, limits: RecoveryLimits = RECOVERY_LIMITS): InstallVerdict {
  const notStarted = (): InstallVerdict =>
    waitedMs < limits.notStartedMs
      ? { state: 'waiting', label: 'Connection lost; checking on the install' }
      : { state: 'failed', message: 'The connection was lost before your Hearth got the request. Try again.' };
  if (!app) return notStarted();
  if (app.version === version && app.phase === 'running') return { state: 'ok', app };
  if (app.update?.to === version || (app.version === version && UNDER_WAY.has(app.phase))) {
    return waitedMs < limits.giveUpMs
      ? { state: 'waiting', label: 'Connection lost; the install goes on' }
      : { state: 'failed', message: `It is still not running (${app.phase}); look at it again under Apps.` };
  }
  if (app.version !== version && app.lastFailure?.version === version && waitedMs >= limits.notStartedMs) {
    // Not at once: the failure may be from an earlier attempt, and this one not started yet.
    return { state: 'failed', message: `The new version failed and the previous one was kept: ${app.lastFailure.reason}` };
  }
  if (app.version === version) {
    // Installed, but not running well: the stream would have ended with the device's own verdict on it.
    return waitedMs < limits.giveUpMs
      ? { state: 'waiting', label: 'Connection lost; waiting for the app to answer' }
      : { state: 'failed', message: app.error ?? `It is installed but ${app.phase}.` };
  }
  return notStarted();
}
