// Builds a catalog from a folder of apps (apps/<id>/compose.yaml): validates every app with the agent's own
// parser (so the catalog never ships an app the device would refuse), copies the compose files, writes
// index.json and its detached signature. Output files are written to a temp folder and renamed into place.
import { readdir, readFile, mkdir, writeFile, rename, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join, extname, resolve } from 'node:path';
import { parseAppFile, formatIssues } from '../../agent/src/manifest/index.js';
import { CATALOG_INDEX_FILE, CATALOG_SIGNATURE_FILE, type CatalogEntry, type CatalogIndex } from '../../agent/src/catalog/index-schema.js';
import { signBytes, type CatalogKey } from './keys.js';

export interface BuildOptions {
  /** Folder holding apps/<id>/compose.yaml. */
  sourceDir: string;
  outDir: string;
  key: CatalogKey;
  /** Index version; default: the version already in outDir + 1, else 1. */
  version?: number;
  now?: () => Date;
}

const ICON_TYPES: Record<string, string> = { '.svg': 'image/svg+xml', '.png': 'image/png', '.webp': 'image/webp', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };

async function iconFor(appDir: string, icon: string | undefined, id: string): Promise<string> {
  if (!icon) return '';
  if (/^(https:|data:)/.test(icon)) return icon;
  const type = ICON_TYPES[extname(icon).toLowerCase()];
  if (!type) throw new Error(`app ${id}: icon ${icon} must be .svg, .png, .webp or .jpg`);
  // Embedded as a data URL so the icon is covered by the index signature.
  const bytes = await readFile(join(appDir, icon)).catch((err: unknown) => {
    throw new Error(`app ${id}: icon ${icon} not found in ${appDir}`, { cause: err });
  });
  if (bytes.length > 100_000) throw new Error(`app ${id}: icon ${icon} is larger than 100 kB`);
  return `data:${type};base64,${bytes.toString('base64')}`;
}

async function previousVersion(outDir: string): Promise<number> {
  try {
    const json = JSON.parse(await readFile(join(outDir, CATALOG_INDEX_FILE), 'utf8')) as { version?: unknown };
    return typeof json.version === 'number' ? json.version : 0;
  } catch {
    return 0;
  }
}

export async function buildCatalog(opts: BuildOptions): Promise<CatalogIndex> {
  const appsDir = join(opts.sourceDir, 'apps');
  const ids = (await readdir(appsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  if (ids.length === 0) throw new Error(`no apps found in ${appsDir} (expected apps/<id>/compose.yaml)`);
  const apps: CatalogEntry[] = [];
  const files = new Map<string, Buffer>();
  const problems: string[] = [];
  for (const folder of ids) {
    const file = join(appsDir, folder, 'compose.yaml');
    const bytes = await readFile(file).catch(() => undefined);
    if (!bytes) {
      problems.push(`${file}: missing`);
      continue;
    }
    const parsed = parseAppFile(bytes.toString('utf8'));
    if (!parsed.ok) {
      problems.push(`${file}:\n${formatIssues(parsed.issues).replace(/^/gm, '  ')}`);
      continue;
    }
    const m = parsed.manifest;
    if (m.id !== folder) {
      problems.push(`${file}: x-hearth.id "${m.id}" must equal the folder name "${folder}"`);
      continue;
    }
    apps.push({
      id: m.id,
      name: m.name,
      version: m.version,
      description: m.description ?? '',
      icon: await iconFor(join(appsDir, folder), m.icon, m.id),
      composeUrl: `apps/${m.id}/compose.yaml`,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    files.set(`apps/${m.id}/compose.yaml`, bytes);
  }
  if (problems.length) throw new Error(`catalog not built, ${problems.length} app(s) invalid:\n${problems.join('\n')}`);

  const prev = await previousVersion(opts.outDir);
  const version = opts.version ?? prev + 1;
  if (!Number.isInteger(version) || version < 1) throw new Error(`index version must be a positive integer, got ${version}`);
  const index: CatalogIndex = { version, generatedAt: (opts.now?.() ?? new Date()).toISOString(), apps };
  const indexBytes = Buffer.from(JSON.stringify(index, null, 2) + '\n');
  files.set(CATALOG_INDEX_FILE, indexBytes);
  files.set(CATALOG_SIGNATURE_FILE, Buffer.from(signBytes(opts.key, indexBytes) + '\n'));
  await publish(resolve(opts.outDir), files);
  return index;
}

/** Writes everything into a sibling temp folder, then swaps it in: readers never see a half-written catalog. */
async function publish(outDir: string, files: Map<string, Buffer>): Promise<void> {
  const tmp = `${outDir}.tmp-${process.pid}-${Date.now()}`;
  await rm(tmp, { recursive: true, force: true });
  for (const [rel, bytes] of files) {
    const path = join(tmp, rel);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, bytes);
  }
  const old = `${outDir}.old-${process.pid}-${Date.now()}`;
  const exists = await stat(outDir).then(() => true, () => false);
  if (exists) await rename(outDir, old);
  await rename(tmp, outDir);
  if (exists) await rm(old, { recursive: true, force: true });
}
