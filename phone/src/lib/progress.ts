// Pure: the install's NDJSON lines -> a progress bar (percent and a short label). The agent reports steps, image
// pull byte counts and health changes; each moves the bar into its own band, and the bar never goes backwards
// (a retried step keeps the bar where it was and says it is retrying).
import type { AppStatus, InstallLine } from '../../../agent/src/client/index.js';

export interface InstallProgress {
  percent: number;
  label: string;
  done: boolean;
  ok?: boolean;
  /** Failure sentence from the device when `ok` is false. */
  message?: string;
  app?: AppStatus;
  /** Bytes per image layer, to turn pull events into one download fraction. */
  layers: Record<string, { current: number; total: number }>;
}

export const initialProgress: InstallProgress = { percent: 0, label: 'Starting', done: false, layers: {} };

// [percent reached when the step starts, when it is done, label]
const STEPS: Record<string, [number, number, string]> = {
  beginUpdate: [5, 8, 'Preparing the update'],
  createNetwork: [8, 12, 'Preparing'],
  fetchImage: [15, 60, 'Downloading'],
  stopContainer: [60, 64, 'Stopping the old version'],
  removeContainer: [64, 66, 'Stopping the old version'],
  createContainer: [66, 72, 'Setting up'],
  startContainer: [72, 80, 'Starting'],
  completeUpdate: [94, 96, 'Finishing'],
};

export function advance(p: InstallProgress, line: InstallLine): InstallProgress {
  if (p.done) return p;
  const to = (percent: number, label: string, extra: Partial<InstallProgress> = {}): InstallProgress => ({
    ...p,
    ...extra,
    percent: Math.max(p.percent, Math.min(100, Math.round(percent))),
    label,
  });
  switch (line.type) {
    case 'accepted':
      return to(5, line.outcome === 'unchanged' ? 'Already installed' : 'Preparing');
    case 'step': {
      const s = STEPS[line.step];
      if (line.phase === 'failed') return to(p.percent, 'A step failed; retrying');
      if (!s) return p;
      return to(line.phase === 'start' ? s[0] : s[1], s[2]);
    }
    case 'pull': {
      const layers = { ...p.layers };
      if (line.layer && typeof line.total === 'number' && line.total > 0) {
        layers[line.layer] = { current: Math.min(line.current ?? 0, line.total), total: line.total };
      }
      const sum = Object.values(layers).reduce((a, l) => ({ current: a.current + l.current, total: a.total + l.total }), { current: 0, total: 0 });
      const fraction = sum.total > 0 ? sum.current / sum.total : 0;
      return to(15 + 45 * fraction, 'Downloading', { layers });
    }
    case 'health':
      return line.status === 'healthy' ? to(92, 'Checking it works') : to(85, 'Waiting for the app to answer');
    case 'converged':
      return to(97, 'Almost done');
    case 'rolled-back':
      return to(p.percent, 'The new version failed; going back to the previous one');
    case 'result':
      return line.ok
        ? { ...p, percent: 100, label: 'Installed', done: true, ok: true, app: line.app }
        : { ...p, done: true, ok: false, label: 'Install failed', message: line.message };
    default:
      return p;
  }
}

/** Applies a batch of lines in order (also what the tests use to replay a recorded install). */
export function progressOf(lines: readonly InstallLine[]): InstallProgress {
  return lines.reduce(advance, initialProgress);
}
