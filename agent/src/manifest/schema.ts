// The structural schema of the compose subset Hearth accepts: shapes and types only. Value rules (ids, semver,
// paths, grants, references between services) are semantic checks in their own small functions.
import { Type, type Static } from '@sinclair/typebox';

const StringOrList = Type.Union([Type.String(), Type.Array(Type.String())]);
const SizeValue = Type.Union([Type.String(), Type.Integer()]);
const CpuValue = Type.Union([Type.String(), Type.Number()]);
const closed = { additionalProperties: false } as const;

export const LongVolumeSchema = Type.Object(
  {
    type: Type.String(),
    source: Type.Optional(Type.String()),
    target: Type.String(),
    read_only: Type.Optional(Type.Boolean()),
  },
  closed,
);
export type LongVolume = Static<typeof LongVolumeSchema>;

export const HealthcheckSchema = Type.Object(
  {
    test: Type.Optional(StringOrList),
    interval: Type.Optional(Type.String()),
    timeout: Type.Optional(Type.String()),
    start_period: Type.Optional(Type.String()),
    start_interval: Type.Optional(Type.String()),
    retries: Type.Optional(Type.Integer()),
    disable: Type.Optional(Type.Boolean()),
  },
  closed,
);
export type RawHealthcheck = Static<typeof HealthcheckSchema>;

export const DeploySchema = Type.Object(
  {
    resources: Type.Optional(
      Type.Object(
        { limits: Type.Optional(Type.Object({ memory: Type.Optional(SizeValue), cpus: Type.Optional(CpuValue), pids: Type.Optional(Type.Integer()) }, closed)) },
        closed,
      ),
    ),
  },
  closed,
);
export type RawDeploy = Static<typeof DeploySchema>;

export const DependsOnSchema = Type.Union([
  Type.Array(Type.String()),
  Type.Record(Type.String(), Type.Union([Type.Null(), Type.Object({ condition: Type.Optional(Type.String()) }, closed)])),
]);

export const ServiceSchema = Type.Object(
  {
    image: Type.String(),
    command: Type.Optional(StringOrList),
    entrypoint: Type.Optional(StringOrList),
    environment: Type.Optional(
      Type.Union([Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])), Type.Array(Type.String())]),
    ),
    volumes: Type.Optional(Type.Array(Type.Union([Type.String(), LongVolumeSchema]))),
    depends_on: Type.Optional(DependsOnSchema),
    healthcheck: Type.Optional(HealthcheckSchema),
    restart: Type.Optional(Type.String()),
    user: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
    expose: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Integer()]))),
    cap_add: Type.Optional(Type.Array(Type.String())),
    // Accepted and redundant: every container already starts with all capabilities dropped.
    cap_drop: Type.Optional(Type.Array(Type.String())),
    devices: Type.Optional(Type.Array(Type.String())),
    deploy: Type.Optional(DeploySchema),
    mem_limit: Type.Optional(SizeValue),
    pids_limit: Type.Optional(Type.Integer()),
    cpus: Type.Optional(CpuValue),
  },
  closed,
);
export type RawService = Static<typeof ServiceSchema>;

export const PermissionsSchema = Type.Object(
  { lan: Type.Optional(Type.Boolean()), devices: Type.Optional(Type.Array(Type.String())), capabilities: Type.Optional(Type.Array(Type.String())) },
  closed,
);

export const HearthBlockSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    version: Type.String(),
    icon: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
    routes: Type.Optional(Type.Union([Type.Null(), Type.Record(Type.String(), Type.String())])),
    permissions: Type.Optional(Type.Union([Type.Null(), PermissionsSchema])),
  },
  closed,
);
export type RawHearthBlock = Static<typeof HearthBlockSchema>;

export const VolumeDefinitionSchema = Type.Union([Type.Null(), Type.Object({}, closed)]);

export const ComposeFileSchema = Type.Object(
  {
    name: Type.Optional(Type.String()),
    // Obsolete in the Compose Specification and ignored by compose itself; accepted so older files load.
    version: Type.Optional(Type.Union([Type.String(), Type.Number()])),
    'x-hearth': HearthBlockSchema,
    services: Type.Record(Type.String(), ServiceSchema),
    volumes: Type.Optional(Type.Union([Type.Null(), Type.Record(Type.String(), VolumeDefinitionSchema)])),
  },
  closed,
);
export type RawComposeFile = Static<typeof ComposeFileSchema>;
