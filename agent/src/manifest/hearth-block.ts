// Semantic checks and normalisation of the x-hearth block: identity, display fields, routes and permissions.
import semver from 'semver';
import { validFields, type IssueList, type Path } from './issues.js';
import type { RawHearthBlock } from './schema.js';
import type { Permissions, Route } from './types.js';

export const APP_ID_PATTERN = /^[a-z][a-z0-9-]{0,30}$/;
const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const DISPLAY_NAME_MAX = 80;
const DESCRIPTION_MAX = 2000;
/** Never grantable: ALL is everything, SYS_ADMIN is "root in all but name". */
export const FORBIDDEN_CAPABILITIES: ReadonlySet<string> = new Set(['ALL', 'SYS_ADMIN']);

/** `cap_net_bind_service` / `CAP_NET_BIND_SERVICE` → `NET_BIND_SERVICE`. */
export function normaliseCapability(name: string): string {
  return name.trim().toUpperCase().replace(/^CAP_/, '');
}

export function checkAppId(id: string, path: Path, issues: IssueList): void {
  if (!APP_ID_PATTERN.test(id)) {
    issues.add(path, `"${id}" is not a valid app id: use 1-31 characters, lower-case letters, digits and "-", starting with a letter`);
  }
}

function checkVersion(version: string, path: Path, issues: IssueList): string {
  // Strict: `v1.2.0` and `=1.2.0` are loose spellings semver tolerates; a manifest has one canonical spelling.
  const clean = semver.valid(version);
  if (clean !== version) {
    issues.add(path, `"${version}" is not a semantic version (expected MAJOR.MINOR.PATCH, e.g. 1.2.0)`);
    return version;
  }
  return clean;
}

function checkText(text: string, max: number, path: Path, issues: IssueList): string {
  const trimmed = text.trim();
  if (trimmed === '') issues.add(path, 'must not be empty');
  else if (trimmed.length > max) issues.add(path, `is longer than ${max} characters`);
  return trimmed;
}

/** An icon is an https URL, an image data: URL, or a path inside the app folder. */
function checkIcon(icon: string, path: Path, issues: IssueList): string {
  if (/^https:\/\/[^\s/]+\S*$/.test(icon) || /^data:image\/[a-z0-9.+-]+[;,]/i.test(icon)) return icon;
  if (/^[a-z][a-z0-9+.-]*:/i.test(icon)) {
    issues.add(path, 'must be an https:// URL, a data:image/... URL or a relative path inside the app folder');
    return icon;
  }
  const parts = icon.split('/').filter((part) => part !== '' && part !== '.');
  if (icon.startsWith('/') || parts.includes('..') || parts.length === 0) {
    issues.add(path, 'a relative icon path must stay inside the app folder (no leading /, no ..)');
    return icon;
  }
  return parts.join('/');
}

function checkRoutes(raw: Record<string, string>, appId: string, services: ReadonlySet<string> | undefined, path: Path, issues: IssueList): Route[] {
  const routes: Route[] = [];
  const seen = new Map<string, string>();
  for (const [key, target] of Object.entries(raw)) {
    const at = [...path, key];
    const subdomain = key === '@' ? appId : key;
    if (key !== '@' && !DNS_LABEL.test(key)) {
      issues.add(at, `"${key}" is not a DNS label: use lower-case letters, digits and "-" (1-63 characters), or "@" for the app id`);
      continue;
    }
    const previous = seen.get(subdomain);
    if (previous !== undefined) issues.add(at, `routes "${previous}" and "${key}" both name the subdomain "${subdomain}"`);
    seen.set(subdomain, key);
    const match = /^([^:\s]+):(\d+)$/.exec(target);
    if (!match) {
      issues.add(at, `"${target}" must be "service:port", e.g. web:80`);
      continue;
    }
    const service = match[1] as string;
    const port = Number(match[2]);
    if (services !== undefined && !services.has(service)) issues.add(at, `routes to service "${service}", which is not defined under services`);
    if (!Number.isInteger(port) || port < 1 || port > 65535) issues.add(at, `port ${match[2]} is out of range (1-65535)`);
    routes.push({ subdomain, service, port });
  }
  return routes.sort((a, b) => (a.subdomain < b.subdomain ? -1 : a.subdomain > b.subdomain ? 1 : 0));
}

/** Grants are sets: deduplicated and sorted so their order never changes the model. */
function checkPermissions(raw: Partial<NonNullable<RawHearthBlock['permissions']>> | undefined, path: Path, issues: IssueList): Permissions {
  const devices = new Set<string>();
  (raw?.devices ?? []).forEach((device, i) => {
    if (!/^\/dev\/[A-Za-z0-9._/-]+$/.test(device) || device.split('/').includes('..')) {
      issues.add([...path, 'devices', i], `"${device}" must be a device path under /dev`);
    } else devices.add(device);
  });
  const capabilities = new Set<string>();
  (raw?.capabilities ?? []).forEach((name, i) => {
    const capability = normaliseCapability(name);
    if (FORBIDDEN_CAPABILITIES.has(capability)) issues.add([...path, 'capabilities', i], `${capability} can never be granted: it gives full control of the device`);
    else if (!/^[A-Z][A-Z0-9_]*$/.test(capability)) issues.add([...path, 'capabilities', i], `"${name}" is not a Linux capability name`);
    else capabilities.add(capability);
  });
  return { lan: raw?.lan ?? false, devices: [...devices].sort(), capabilities: [...capabilities].sort() };
}

export interface HearthIdentity {
  id?: string;
  name?: string;
  version?: string;
  icon?: string;
  description?: string;
  routes: Route[];
  permissions: Permissions;
  /** False when the permissions block had issues: grant checks on services are skipped rather than misreported. */
  permissionsValid: boolean;
}

/**
 * Checks the structurally valid fields of the x-hearth block (see validFields). `services` is undefined when the
 * services section is itself broken, so route targets cannot be checked.
 */
export function checkHearthBlock(raw: Partial<RawHearthBlock>, services: ReadonlySet<string> | undefined, issues: IssueList): HearthIdentity {
  const base = ['x-hearth'];
  const permissionsPath = [...base, 'permissions'];
  const rawPermissions = validFields<NonNullable<RawHearthBlock['permissions']>>(raw.permissions, permissionsPath, issues);
  const permissions = checkPermissions(rawPermissions, permissionsPath, issues);
  const identity: HearthIdentity = { routes: [], permissions, permissionsValid: !issues.hasIssueAt(permissionsPath) };
  if (raw.id !== undefined) {
    checkAppId(raw.id, [...base, 'id'], issues);
    identity.id = raw.id;
  }
  // Without a usable id, "@" is checked as itself; the id's own issue is already reported.
  if (raw.routes) identity.routes = checkRoutes(raw.routes, raw.id ?? '@', services, [...base, 'routes'], issues);
  if (raw.name !== undefined) identity.name = checkText(raw.name, DISPLAY_NAME_MAX, [...base, 'name'], issues);
  if (raw.version !== undefined) identity.version = checkVersion(raw.version, [...base, 'version'], issues);
  if (raw.icon !== undefined) identity.icon = checkIcon(raw.icon, [...base, 'icon'], issues);
  if (raw.description !== undefined) identity.description = checkText(raw.description, DESCRIPTION_MAX, [...base, 'description'], issues);
  return identity;
}
