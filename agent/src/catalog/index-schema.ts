// The signed catalog index (catalog/ builds it, the device verifies it). `index.json` is signed as raw bytes by
// `index.json.sig` (one line: base64url Ed25519 signature); the device checks the signature before parsing.
import { Type, type Static } from '@sinclair/typebox';

export const CATALOG_INDEX_FILE = 'index.json';
export const CATALOG_SIGNATURE_FILE = 'index.json.sig';

export const CatalogEntry = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z][a-z0-9-]{0,30}$' }),
    name: Type.String({ minLength: 1, maxLength: 80 }),
    version: Type.String({ minLength: 1, maxLength: 64 }),
    description: Type.String({ maxLength: 2000 }),
    /** https URL or data:image URL (embedded, so it is covered by the signature). */
    icon: Type.String({ maxLength: 200_000 }),
    /** Relative to the index URL; always apps/<id>/compose.yaml. */
    composeUrl: Type.String({ pattern: '^apps/[a-z][a-z0-9-]{0,30}/compose\\.yaml$' }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  },
  { additionalProperties: false },
);
export type CatalogEntry = Static<typeof CatalogEntry>;

export const CatalogIndex = Type.Object(
  {
    /** Monotonic: the device refuses an index older than the last one it accepted (rollback protection). */
    version: Type.Integer({ minimum: 1 }),
    generatedAt: Type.String({ pattern: '^\\d{4}-\\d\\d-\\d\\dT' }),
    apps: Type.Array(CatalogEntry, { maxItems: 10_000 }),
  },
  { additionalProperties: false },
);
export type CatalogIndex = Static<typeof CatalogIndex>;
