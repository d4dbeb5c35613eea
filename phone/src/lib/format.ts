// Pure: numbers as an owner reads them.
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return 'unknown';
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} bytes` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function formatUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} day${d === 1 ? '' : 's'}, ${h} hour${h === 1 ? '' : 's'}`;
  if (h > 0) return `${h} hour${h === 1 ? '' : 's'}, ${m} minute${m === 1 ? '' : 's'}`;
  if (m > 0) return `${m} minute${m === 1 ? '' : 's'}`;
  return 'less than a minute';
}

const PHASES: Record<string, string> = {
  installing: 'Installing',
  starting: 'Starting',
  running: 'Running',
  updating: 'Updating',
  'rolling-back': 'Going back to the previous version',
  stopped: 'Stopped',
  'crash-looping': 'Keeps crashing',
  unhealthy: 'Not responding',
  failing: 'Having trouble',
};

export function phaseLabel(phase: string): string {
  return PHASES[phase] ?? phase;
}
