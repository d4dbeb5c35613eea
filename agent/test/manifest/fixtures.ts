// Builders for manifests in tests: a minimal valid app, and variants with one part changed.
import { parseAppObject } from '../../src/manifest/index.js';
import type { ManifestIssue, ParseResult } from '../../src/manifest/index.js';

export type Doc = Record<string, unknown>;

export function baseDoc(): Doc {
  return {
    'x-hearth': { id: 'demo', name: 'Demo', version: '1.0.0', routes: { demo: 'web:80' } },
    services: { web: { image: 'localhost/hearth/busybox:latest', command: ['httpd', '-f', '-p', '80'] } },
  };
}

/** The base app with fields of the `web` service replaced (undefined deletes). */
export function withWeb(fields: Doc, top: Doc = {}): Doc {
  const doc = { ...baseDoc(), ...top };
  const web = { ...((doc.services as Doc).web as Doc), ...fields };
  for (const [key, value] of Object.entries(web)) if (value === undefined) delete web[key];
  doc.services = { ...(doc.services as Doc), web };
  return doc;
}

/** The base app with fields of the x-hearth block replaced. */
export function withHearth(fields: Doc, top: Doc = {}): Doc {
  const doc = { ...baseDoc(), ...top };
  doc['x-hearth'] = { ...(doc['x-hearth'] as Doc), ...fields };
  return doc;
}

export function issuesOf(result: ParseResult): ManifestIssue[] {
  return result.ok ? [] : result.issues;
}

export function issuesFor(doc: unknown): ManifestIssue[] {
  return issuesOf(parseAppObject(doc));
}
