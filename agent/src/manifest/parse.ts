// Compose file with an x-hearth block → AppManifest, or every issue found. One pass: structure first (TypeBox), then
// semantic checks on each part that is structurally sound, then checks across services. A model is returned only
// when nothing at all is wrong, so callers never see a half-valid app.
import { findDependencyCycles } from './dependencies.js';
import { checkHearthBlock } from './hearth-block.js';
import { resolveDollars } from './interpolation.js';
import { IssueList, isPlainObject, validFields } from './issues.js';
import { ComposeFileSchema, type RawComposeFile, type RawHearthBlock, type RawService } from './schema.js';
import { normaliseService } from './service.js';
import { collectStructuralIssues } from './structure.js';
import type { AppManifest, ParseResult, ServiceSpec } from './types.js';
import { VOLUME_NAME_PATTERN } from './volumes.js';
import { parseYaml } from './yaml-source.js';

function describeKind(value: unknown): string {
  if (value === null || value === undefined) return 'an empty document';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

function declaredVolumes(raw: RawComposeFile['volumes'] | undefined, issues: IssueList): Set<string> | undefined {
  if (issues.hasIssueAt(['volumes'])) return undefined;
  const names = new Set<string>();
  for (const name of Object.keys(raw ?? {})) {
    if (VOLUME_NAME_PATTERN.test(name)) names.add(name);
    else issues.add(['volumes', name], `"${name}" is not a valid volume name: use letters, digits, "_", "." and "-" (at most 64)`);
  }
  return names;
}

/** Cross-service rules: cycles, health conditions that can never be met, route ports added to `expose`. */
function checkAcrossServices(services: Record<string, ServiceSpec>, identity: ReturnType<typeof checkHearthBlock>, issues: IssueList): void {
  const graph = Object.fromEntries(Object.entries(services).map(([name, spec]) => [name, Object.keys(spec.dependsOn)]));
  for (const cycle of findDependencyCycles(graph)) {
    issues.add(['services', cycle[0] as string, 'depends_on'], `dependency cycle: ${cycle.join(' -> ')}`);
  }
  for (const [name, spec] of Object.entries(services)) {
    for (const [dependency, condition] of Object.entries(spec.dependsOn)) {
      const target = Object.hasOwn(services, dependency) ? services[dependency] : undefined;
      if (condition === 'service_healthy' && target !== undefined && target.healthcheck === undefined && !issues.hasIssueAt(['services', dependency, 'healthcheck'])) {
        issues.add(['services', name, 'depends_on', dependency], `waits for ${dependency} to be healthy, but ${dependency} has no healthcheck`);
      }
    }
  }
  for (const route of identity.routes) {
    // Own keys only: a route to "toString" must not find Object.prototype.toString.
    const target = Object.hasOwn(services, route.service) ? services[route.service] : undefined;
    if (target !== undefined && !target.expose.includes(route.port)) target.expose = [...target.expose, route.port].sort((a, b) => a - b);
  }
}

function checkDocument(input: unknown, issues: IssueList): AppManifest | undefined {
  if (!isPlainObject(input)) {
    issues.add([], `the file must be a mapping (a compose file with services and x-hearth), but it is ${describeKind(input)}`);
    return undefined;
  }
  const document = resolveDollars(input, issues);
  collectStructuralIssues(ComposeFileSchema, document, [], issues);
  const top = validFields<RawComposeFile>(document, [], issues) ?? {};
  const rawServices = (document as Record<string, unknown>).services;
  const serviceNames = isPlainObject(rawServices) ? new Set(Object.keys(rawServices)) : undefined;
  if (serviceNames?.size === 0) issues.add(['services'], 'must define at least one service');

  const hearth = validFields<RawHearthBlock>((document as Record<string, unknown>)['x-hearth'], ['x-hearth'], issues);
  const identity = checkHearthBlock(hearth ?? {}, serviceNames, issues);
  if (top.name !== undefined && identity.id !== undefined && !issues.hasIssueAt(['x-hearth', 'id']) && top.name !== identity.id) {
    issues.add(['name'], `the compose project name "${top.name}" must equal x-hearth.id "${identity.id}" (or be left out)`);
  }
  const volumes = declaredVolumes(top.volumes, issues);
  const context = { declaredVolumes: volumes, serviceNames, permissions: identity.permissionsValid ? identity.permissions : undefined };
  const services: Record<string, ServiceSpec> = {};
  for (const name of [...(serviceNames ?? [])].sort()) {
    const raw = validFields<RawService>((rawServices as Record<string, unknown>)[name], ['services', name], issues);
    if (raw !== undefined) services[name] = normaliseService(name, raw, context, issues);
  }
  checkAcrossServices(services, identity, issues);
  if (issues.count > 0) return undefined;

  // With no issues every identity field was present and valid (the schema requires them).
  const manifest: AppManifest = {
    id: identity.id as string,
    name: identity.name as string,
    version: identity.version as string,
    routes: identity.routes,
    permissions: identity.permissions,
    services,
    volumes: [...(volumes ?? [])].sort(),
  };
  if (identity.icon !== undefined) manifest.icon = identity.icon;
  if (identity.description !== undefined) manifest.description = identity.description;
  return manifest;
}

/** Validates and normalises an already-parsed document (e.g. from JSON or a test). */
export function parseAppObject(input: unknown): ParseResult {
  const issues = new IssueList();
  const manifest = checkDocument(input, issues);
  return manifest ? { ok: true, manifest } : { ok: false, issues: issues.toArray() };
}

/** Parses compose YAML text with an x-hearth block; issues carry the line they refer to. */
export function parseAppFile(text: string): ParseResult {
  const issues = new IssueList();
  const parsed = parseYaml(text, issues);
  if (parsed === undefined) return { ok: false, issues: issues.toArray() };
  const manifest = checkDocument(parsed.value, issues);
  if (manifest) return { ok: true, manifest };
  // In file order, so an author can walk down the file fixing them; issues without a line (whole file) come first.
  const located = issues.toArray(parsed.lineOf).sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { ok: false, issues: located };
}
