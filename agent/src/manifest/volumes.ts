// Service volume mounts: compose short syntax (`data:/data`, `./config:/etc/app:ro`) and long syntax normalise to the
// same VolumeMount. Host paths are confined to the app's data folder: bind sources must be relative and may not
// climb out of it, so an app can never mount the engine socket, /etc or another app's files.
import { posix } from 'node:path';
import type { IssueList, Path } from './issues.js';
import type { LongVolume } from './schema.js';
import type { VolumeMount } from './types.js';

export const VOLUME_NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;
const ENGINE_SOCKET = /(?:docker|podman|containerd|crio)\.sock$|^\/run\/(?:podman|docker|containerd)(?:\/|$)|^\/var\/run\/(?:podman|docker|containerd)(?:\/|$)/;

/** Checks a host-side source and returns the mount's kind and normalised source, or undefined after reporting. */
function classifySource(source: string, declared: ReadonlySet<string> | undefined, path: Path, issues: IssueList): Pick<VolumeMount, 'kind' | 'source'> | undefined {
  if (source.startsWith('/')) {
    issues.add(path, ENGINE_SOCKET.test(posix.normalize(source))
      ? `mounting the container engine socket (${source}) is refused: it gives root on the device`
      : `bind mounts of absolute host paths (${source}) are refused: use a path relative to the app folder, like ./data, or a named volume`);
    return undefined;
  }
  if (source.startsWith('~')) {
    issues.add(path, `home-directory paths (${source}) are refused: use a path relative to the app folder, like ./data`);
    return undefined;
  }
  if (source === '.' || source === '..' || source.startsWith('./') || source.startsWith('../')) {
    const normal = posix.normalize(source).replace(/\/+$/, '');
    if (normal === '..' || normal.startsWith('../')) {
      issues.add(path, `bind source ${source} escapes the app folder: it must stay inside it (no .. above the app folder)`);
      return undefined;
    }
    return { kind: 'bind', source: normal === '' ? '.' : normal };
  }
  if (!VOLUME_NAME_PATTERN.test(source)) {
    issues.add(path, `"${source}" is neither a volume name nor a relative path (start host paths with ./)`);
    return undefined;
  }
  if (declared !== undefined && !declared.has(source)) {
    issues.add(path, `volume "${source}" is not declared under the top-level volumes`);
    return undefined;
  }
  return { kind: 'volume', source };
}

function checkTarget(target: string, path: Path, issues: IssueList): string | undefined {
  const normal = posix.normalize(target).replace(/(.)\/+$/, '$1');
  if (!target.startsWith('/')) issues.add(path, `container path "${target}" must be absolute`);
  else if (normal === '/') issues.add(path, 'mounting over the container\'s root (/) is not allowed');
  else return normal;
  return undefined;
}

function parseShort(text: string, path: Path, issues: IssueList): { source: string; target: string; readOnly: boolean } | undefined {
  const parts = text.split(':');
  if (parts.length === 1) {
    issues.add(path, `anonymous volumes ("${text}") are not supported: name the volume (name:${text}) and declare it under top-level volumes, so its data is kept`);
    return undefined;
  }
  if (parts.length > 3) {
    issues.add(path, `"${text}" is not SOURCE:TARGET[:MODE]`);
    return undefined;
  }
  const mode = parts[2] ?? 'rw';
  if (mode !== 'ro' && mode !== 'rw') {
    issues.add(path, `mount mode "${mode}" is not supported: use ro or rw`);
    return undefined;
  }
  return { source: parts[0] as string, target: parts[1] as string, readOnly: mode === 'ro' };
}

function parseLong(entry: LongVolume, path: Path, issues: IssueList): { source: string; target: string; readOnly: boolean } | undefined {
  if (entry.type !== 'volume' && entry.type !== 'bind') {
    issues.add([...path, 'type'], `mount type "${entry.type}" is not supported: use volume or bind`);
    return undefined;
  }
  if (entry.source === undefined || entry.source === '') {
    issues.add([...path, 'source'], 'is required: anonymous volumes are not supported (name the volume so its data is kept)');
    return undefined;
  }
  const looksLikePath = /^[./~]/.test(entry.source);
  if (entry.type === 'volume' && looksLikePath) {
    issues.add([...path, 'source'], `a volume source must be a volume name, not the path "${entry.source}" (use type: bind)`);
    return undefined;
  }
  // Compose resolves a long-syntax bind source against the project folder even without a leading ./
  const source = entry.type === 'bind' && !looksLikePath ? `./${entry.source}` : entry.source;
  return { source, target: entry.target, readOnly: entry.read_only ?? false };
}

/** Normalises one service's mount list; order is kept (later mounts may nest inside earlier ones). */
export function normaliseVolumeMounts(entries: readonly (string | LongVolume)[], declared: ReadonlySet<string> | undefined, path: Path, issues: IssueList): VolumeMount[] {
  const mounts: VolumeMount[] = [];
  const targets = new Map<string, number>();
  entries.forEach((entry, i) => {
    const at = [...path, i];
    const parsed = typeof entry === 'string' ? parseShort(entry, at, issues) : parseLong(entry, at, issues);
    if (!parsed) return;
    const source = classifySource(parsed.source, declared, typeof entry === 'string' ? at : [...at, 'source'], issues);
    const target = checkTarget(parsed.target, typeof entry === 'string' ? at : [...at, 'target'], issues);
    if (!source || target === undefined) return;
    const earlier = targets.get(target);
    if (earlier !== undefined) {
      issues.add(at, `mounts to ${target} again (already mounted by entry ${earlier})`);
      return;
    }
    targets.set(target, i);
    mounts.push({ ...source, target, readOnly: parsed.readOnly });
  });
  return mounts;
}
