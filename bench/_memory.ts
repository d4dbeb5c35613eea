// Reading a process's memory from /proc, shared by the agent benchmarks.
import { readFileSync } from 'node:fs';

export const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/**
 * RSS split in the process's own anonymous memory (heap, malloc) and file-backed pages (mostly node's own binary,
 * clean and shared with every other node process, evictable): the part the agent's code decides is the first.
 */
export function memorySplitMb(pid: number): { anon: number; file: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? NaN);
  return { anon: kb('Anonymous') / 1024, file: (kb('Rss') - kb('Anonymous')) / 1024 };
}
