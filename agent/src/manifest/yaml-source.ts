// YAML text → plain data, with syntax errors reported by line and column. Anchors and merge keys (`<<: *common`)
// are supported because compose files use them with x-* extension blocks; duplicate keys are errors, as in compose.
import { parseDocument } from 'yaml';
import type { IssueList } from './issues.js';

/** Largest manifest accepted: far above any real compose file, low enough to bound parse time and memory. */
export const MAX_MANIFEST_BYTES = 256 * 1024;

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '').trim();
}

/** Parses the text, or reports why it cannot be parsed and returns undefined. */
export function parseYaml(text: string, issues: IssueList): { value: unknown } | undefined {
  if (Buffer.byteLength(text, 'utf8') > MAX_MANIFEST_BYTES) {
    issues.add([], `the file is larger than ${MAX_MANIFEST_BYTES} bytes`);
    return undefined;
  }
  // YAML 1.2 core schema: `no`/`on` stay strings (compose files use `restart: no`), no timestamps or octal surprises.
  const doc = parseDocument(text, { version: '1.2', merge: true, uniqueKeys: true, prettyErrors: true });
  const problems = [...doc.errors, ...doc.warnings];
  for (const problem of problems) {
    const where = problem.linePos?.[0];
    const at = where ? `line ${where.line}, column ${where.col}` : 'unknown position';
    issues.add([], `YAML syntax error at ${at}: ${firstLine(problem.message)}`);
  }
  if (problems.length > 0) return undefined;
  try {
    // A small alias budget stops "billion laughs" documents from expanding into gigabytes.
    return { value: doc.toJS({ maxAliasCount: 100 }) as unknown };
  } catch (error) {
    issues.add([], `YAML error: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
