// Structural validation: runs the TypeBox schema and turns its errors into issues an app author can act on.
// TypeBox reports a failed union only as "Expected union value"; here the branch matching the value's kind (string,
// list, mapping...) is re-validated so the issue points at the real problem inside it.
import type { TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import type { IssueList, Path, PathSegment } from './issues.js';
import { refusalReason } from './refused.js';

type Kind = 'null' | 'list' | 'mapping' | 'string' | 'number' | 'boolean' | 'other';

function kindOfValue(value: unknown): Kind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'mapping';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return typeof value as Kind;
  return 'other';
}

function kindOfSchema(schema: TSchema): Kind {
  switch (schema.type) {
    case 'null': return 'null';
    case 'array': return 'list';
    case 'object': return 'mapping';
    case 'string': return 'string';
    case 'integer':
    case 'number': return 'number';
    case 'boolean': return 'boolean';
    default: return 'other';
  }
}

const DESCRIBE_SCHEMA: Record<string, string> = {
  null: 'empty', array: 'a list', object: 'a mapping', string: 'a string', integer: 'a whole number', number: 'a number', boolean: 'true or false',
};

function describeSchema(schema: TSchema): string {
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as TSchema[]).map(describeSchema).join(' or ');
  if (schema.type === 'array' && schema.items !== undefined) return `a list of ${describeSchema(schema.items as TSchema).replace(/^an? /, '')}s`;
  return DESCRIBE_SCHEMA[String(schema.type)] ?? 'a different value';
}

function describeValue(value: unknown): string {
  const kind = kindOfValue(value);
  if (kind === 'string') return `"${String(value).slice(0, 40)}"`;
  if (kind === 'number' || kind === 'boolean') return String(value);
  return kind === 'null' ? 'nothing' : kind === 'other' ? `a ${typeof value}` : `a ${kind}`;
}

/** `/services/web/volumes/1` → ['services', 'web', 'volumes', 1], numbers only where the value is a list. */
function pointerToPath(root: unknown, pointer: string): PathSegment[] {
  const path: PathSegment[] = [];
  let current: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment: PathSegment = Array.isArray(current) ? Number(key) : key;
    path.push(segment);
    current = current !== null && typeof current === 'object' ? (current as Record<PathSegment, unknown>)[segment] : undefined;
  }
  return path;
}

function reportError(error: ValueError, base: Path, root: unknown, issues: IssueList): void {
  const path = [...base, ...pointerToPath(root, error.path)];
  if (error.type === ValueErrorType.ObjectRequiredProperty) {
    issues.add(path, 'is required');
    return;
  }
  // TypeBox follows "is required" with a type error for the missing (undefined) value: one issue is enough.
  if (error.value === undefined) return;
  if (error.type === ValueErrorType.ObjectAdditionalProperties) {
    const key = String(path[path.length - 1]);
    // Compose extension keys are for tools and anchors; compose ignores them and so do we (but not inside x-hearth).
    if (key.startsWith('x-') && path[0] !== 'x-hearth') return;
    issues.add(path, refusalReason(path.slice(0, -1), key) ?? `unknown key "${key}" (not part of the compose subset Hearth supports)`);
    return;
  }
  if (error.type === ValueErrorType.Union && Array.isArray(error.schema.anyOf)) {
    const variants = (error.schema.anyOf as TSchema[]).filter((variant) => kindOfSchema(variant) === kindOfValue(error.value));
    // A clean re-validation cannot happen for a failed union, but if it did, fall back to the generic message.
    if (variants.length === 1 && !collectStructuralIssues(variants[0] as TSchema, error.value, path, issues)) return;
  }
  issues.add(path, `must be ${describeSchema(error.schema)}, got ${describeValue(error.value)}`);
}

/** Validates `value` against `schema`, reporting every problem under `base`. Returns true when there were none. */
export function collectStructuralIssues(schema: TSchema, value: unknown, base: Path, issues: IssueList): boolean {
  const before = issues.count;
  for (const error of Value.Errors(schema, value)) reportError(error, base, value, issues);
  return issues.count === before;
}
