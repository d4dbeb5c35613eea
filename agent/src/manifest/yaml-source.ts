// YAML text → plain data, with syntax errors reported by line and column. Anchors and merge keys (`<<: *common`)
// are supported because compose files use them with x-* extension blocks; duplicate keys are errors, as in compose.
import { isAlias, isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { IssueList, Path } from './issues.js';

/** Largest manifest accepted: far above any real compose file, low enough to bound parse time and memory. */
export const MAX_MANIFEST_BYTES = 256 * 1024;

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '').trim();
}

/** Parses the text, or reports why it cannot be parsed and returns undefined. */
export function parseYaml(text: string, issues: IssueList): { value: unknown; lineOf: (path: Path) => number | undefined } | undefined {
  if (Buffer.byteLength(text, 'utf8') > MAX_MANIFEST_BYTES) {
    issues.add([], `the file is larger than ${MAX_MANIFEST_BYTES} bytes`);
    return undefined;
  }
  // YAML 1.2 core schema: `no`/`on` stay strings (compose files use `restart: no`), no timestamps or octal surprises.
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { version: '1.2', merge: true, uniqueKeys: true, prettyErrors: true, lineCounter });
  const problems = [...doc.errors, ...doc.warnings];
  for (const problem of problems) {
    const where = problem.linePos?.[0];
    const at = where ? `line ${where.line}, column ${where.col}` : 'unknown position';
    issues.add([], `YAML syntax error at ${at}: ${firstLine(problem.message)}`);
  }
  if (problems.length > 0) return undefined;
  try {
    // A small alias budget stops "billion laughs" documents from expanding into gigabytes.
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    return { value, lineOf: (path) => lineOf(doc, lineCounter, path) };
  } catch (error) {
    issues.add([], `YAML error: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/**
 * The line of the deepest node along `path` that exists in the source: a key's own line for mapping entries, so
 * "unknown key" points at the key; the parent's line for missing keys or keys that came in through a merge.
 */
function lineOf(doc: Document, lines: LineCounter, path: Path): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (pair && isNode(pair.key)) offset = pair.key.range?.[0] ?? offset;
      next = pair?.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment];
      if (isNode(next)) offset = next.range?.[0] ?? offset;
    }
    if (next === undefined) break;
    node = next;
  }
  return offset === undefined ? undefined : lines.linePos(offset).line;
}
