// Issue collection shared by every check. Paths are kept as segment arrays while checking (so "is there already a
// structural issue under this part?" is a prefix test) and rendered as dotted paths only when reported.
import type { ManifestIssue } from './types.js';

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

/** `['services', 'web', 'volumes', 1]` → `services.web.volumes[1]`; keys that are not plain words are quoted. */
export function formatPath(path: Path): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z0-9_@-][A-Za-z0-9_@.-]*$/.test(segment) && !segment.includes('.')) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

function isPrefix(prefix: Path, path: Path): boolean {
  if (prefix.length > path.length) return false;
  return prefix.every((segment, i) => segment === path[i]);
}

/** Accumulates issues for one parse. Not shared between parses. */
export class IssueList {
  private readonly entries: { path: Path; message: string }[] = [];

  add(path: Path, message: string): void {
    this.entries.push({ path: [...path], message });
  }

  /** True when an issue was already reported at `path` or anywhere below it: later checks skip that part. */
  hasIssueAt(path: Path): boolean {
    return this.entries.some((entry) => isPrefix(path, entry.path));
  }

  get count(): number {
    return this.entries.length;
  }

  /** The issues as reported to callers; `lineOf` maps a path to its line when there is source text. */
  toArray(lineOf?: (path: Path) => number | undefined): ManifestIssue[] {
    return this.entries.map((entry) => {
      const issue: ManifestIssue = { path: formatPath(entry.path), message: entry.message };
      const line = entry.path.length > 0 ? lineOf?.(entry.path) : undefined;
      if (line !== undefined) issue.line = line;
      return issue;
    });
  }
}

/** One line per issue, `path: message (line N)`; issues about the file as a whole show as `(file)`. */
export function formatIssues(issues: readonly ManifestIssue[]): string {
  return issues
    .map((issue) => `${issue.path === '' ? '(file)' : issue.path}: ${issue.message}${issue.line === undefined ? '' : ` (line ${issue.line})`}`)
    .join('\n');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The fields of a mapping that passed structural validation: fields with an issue at or below them are left out,
 * so semantic checks can trust the types of what they get and never report the same problem twice.
 */
export function validFields<T extends object>(value: unknown, path: Path, issues: IssueList): Partial<T> | undefined {
  if (!isPlainObject(value)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (!issues.hasIssueAt([...path, key])) out[key] = item;
  return out as Partial<T>;
}
