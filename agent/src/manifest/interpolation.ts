// Compose interpolates `${VAR}` and `$VAR` from the deploying machine's environment. Hearth has no such environment
// (an app must mean the same on every device), so any interpolation is an error rather than silently left literal;
// `$$` is compose's escape for a literal `$` and is unescaped here exactly as compose would.
import type { IssueList, Path } from './issues.js';

const TOKEN = /\$(\$|\{[^}]*\}?|[A-Za-z_][A-Za-z0-9_]*)/g;

function unescapeString(text: string, path: Path, issues: IssueList): string {
  return text.replace(TOKEN, (whole, body: string) => {
    if (body === '$') return '$';
    issues.add(path, `variable interpolation ("${whole}") is not supported: write the value itself (use $$ for a literal $)`);
    return whole;
  });
}

function walk(value: unknown, path: Path, issues: IssueList): unknown {
  if (typeof value === 'string') return unescapeString(value, path, issues);
  if (Array.isArray(value)) return value.map((item, i) => walk(item, [...path, i], issues));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      // YAML and JSON.parse both produce an own "__proto__" key; copying it by assignment would replace the prototype
      // of the copy and silently drop the entry. No compose field is called that, so it is refused here, once.
      if (key === '__proto__') {
        issues.add([...path, key], 'the key "__proto__" is not allowed');
        continue;
      }
      // Extension blocks (other than x-hearth) are ignored entirely, so their contents are not interpolated either.
      const isEnvironmentName = path[0] === 'services' && path[2] === 'environment';
      if (key.startsWith('x-') && !isEnvironmentName && !(path.length === 0 && key === 'x-hearth')) {
        out[key] = item;
        continue;
      }
      if (key.includes('${')) issues.add([...path, key], 'variable interpolation is not supported in keys');
      out[key] = walk(item, [...path, key], issues);
    }
    return out;
  }
  return value;
}

/** Returns the document with `$$` unescaped, reporting every `${...}`/`$VAR` at its path. */
export function resolveDollars(document: unknown, issues: IssueList): unknown {
  return walk(document, [], issues);
}
