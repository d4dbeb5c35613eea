// Renders install progress lines for a terminal: steps as they happen, pulls as a byte counter per image.
import type { InstallLine } from '../client/index.js';

export function progressPrinter(out: (s: string) => void): (line: InstallLine) => void {
  const layers = new Map<string, { current: number; total: number }>();
  let lastPrinted = 0;
  return (line) => {
    switch (line.type) {
      case 'accepted':
        out(`accepted (${line.outcome})`);
        break;
      case 'step':
        if (line.phase === 'failed') out(`  ✗ ${line.step}: ${line.message ?? 'failed'}`);
        else if (line.phase === 'done') out(`  ✓ ${line.step}`);
        break;
      case 'pull': {
        if (line.layer && line.total) layers.set(line.layer, { current: line.current ?? 0, total: line.total });
        const now = Date.now();
        if (now - lastPrinted < 500) break;
        lastPrinted = now;
        let cur = 0;
        let tot = 0;
        for (const l of layers.values()) {
          cur += l.current;
          tot += l.total;
        }
        out(tot ? `  ↓ ${line.image}: ${mb(cur)} / ${mb(tot)} MB` : `  ↓ ${line.image}: ${line.status}`);
        break;
      }
      case 'health':
        out(`  ♥ ${line.service}: ${line.status}`);
        break;
      case 'rolled-back':
        out(`  ↺ rolled back to ${line.version}: ${line.reason}`);
        break;
      default:
        break;
    }
  };
}

function mb(n: number): string {
  return (n / 1e6).toFixed(1);
}
