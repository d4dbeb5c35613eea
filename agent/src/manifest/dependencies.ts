// depends_on: list or map form → one sorted map of conditions; references to missing services and dependency cycles
// are reported (a cycle would leave the agent with no service it may start first).
import type { IssueList, Path } from './issues.js';
import type { DependencyCondition } from './types.js';

const CONDITIONS: readonly DependencyCondition[] = ['service_started', 'service_healthy', 'service_completed_successfully'];

type RawDependsOn = string[] | Record<string, { condition?: string } | null>;

export function normaliseDependsOn(raw: RawDependsOn, self: string, services: ReadonlySet<string> | undefined, path: Path, issues: IssueList): Record<string, DependencyCondition> {
  const entries: [string, string | undefined, Path][] = Array.isArray(raw)
    ? raw.map((name, i) => [name, undefined, [...path, i]])
    : Object.entries(raw).map(([name, spec]) => [name, spec?.condition, [...path, name]]);
  const out = new Map<string, DependencyCondition>();
  for (const [name, condition, at] of entries) {
    if (name === self) issues.add(at, 'a service cannot depend on itself');
    else if (services !== undefined && !services.has(name)) issues.add(at, `depends on service "${name}", which is not defined under services`);
    else if (out.has(name)) issues.add(at, `"${name}" is listed twice`);
    else if (condition !== undefined && !(CONDITIONS as readonly string[]).includes(condition)) {
      issues.add(Array.isArray(raw) ? at : [...at, 'condition'], `"${condition}" is not a condition: use ${CONDITIONS.join(', ')}`);
    } else out.set(name, (condition ?? 'service_started') as DependencyCondition);
  }
  const sorted: Record<string, DependencyCondition> = {};
  for (const name of [...out.keys()].sort()) sorted[name] = out.get(name) as DependencyCondition;
  return sorted;
}

/** Every dependency cycle, each once, as the list of services around it (first service repeated at the end). */
export function findDependencyCycles(graph: Readonly<Record<string, readonly string[]>>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'active');
    stack.push(node);
    for (const next of [...(graph[node] ?? [])].sort()) {
      if (state.get(next) === 'active') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next) && Object.hasOwn(graph, next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of Object.keys(graph).sort()) if (!state.has(node)) visit(node);
  return cycles;
}
