// Services in dependency order (depends_on first), ties broken by name so plans are deterministic.
// The manifest parser refuses cycles; a cycle here would be a bug, so it throws.
import type { AppManifest } from '../manifest/types.js';

export function serviceOrder(manifest: AppManifest): string[] {
  const names = Object.keys(manifest.services).sort();
  const out: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string) => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`dependency cycle through ${name} in app ${manifest.id}`);
    state.set(name, 'visiting');
    for (const dep of Object.keys(manifest.services[name]?.dependsOn ?? {}).sort()) visit(dep);
    state.set(name, 'done');
    out.push(name);
  };
  for (const n of names) visit(n);
  return out;
}
