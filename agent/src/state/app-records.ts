// The agent's persisted target state: which apps the owner installed, at which version, running or stopped,
// plus the bookkeeping an update needs to survive a power cut (the previous manifest and the snapshot taken).
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { AppManifest } from '../manifest/types.js';
import { readJsonFile, writeJsonAtomic } from './atomic-file.js';

export type DesiredRun = 'running' | 'stopped';

export interface UpdateInProgress {
  from: string;
  to: string;
  startedAt: number;
  /** Folder holding the copy of the app's data taken before the first new container started. */
  snapshot?: string;
  /** Set (and persisted) before a rollback starts, so a crash mid-rollback resumes it. */
  rollingBack?: string;
}

export interface UpdateFailure {
  version: string;
  reason: string;
  at: number;
}

export interface AppRecord {
  manifest: AppManifest;
  desired: DesiredRun;
  installedAt: number;
  /** The last version that was healthy; the rollback target while `update` is set. */
  previous?: AppManifest;
  update?: UpdateInProgress;
  lastFailure?: UpdateFailure;
}

export interface TargetState {
  apps: Record<string, AppRecord>;
}

// Shape check of the file on load. The manifests inside were validated when they were accepted; here we only
// make sure a damaged file is refused with its path instead of half-read.
const RecordShape = Type.Object(
  {
    manifest: Type.Object({ id: Type.String(), version: Type.String(), services: Type.Record(Type.String(), Type.Any()) }, { additionalProperties: true }),
    desired: Type.Union([Type.Literal('running'), Type.Literal('stopped')]),
    installedAt: Type.Number(),
  },
  { additionalProperties: true },
);
const FileShape = Type.Object({ version: Type.Literal(1), apps: Type.Record(Type.String(), RecordShape) });
type FileShape = Static<typeof FileShape>;

/** Holds the target state in memory and persists every change atomically before reporting it done. */
export class AppRecordStore {
  private state: TargetState = { apps: {} };
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  async load(): Promise<void> {
    const raw = await readJsonFile(this.path);
    if (raw === undefined) return;
    if (!Value.Check(FileShape, raw)) {
      const first = [...Value.Errors(FileShape, raw)][0];
      throw new Error(`${this.path}: not a Hearth state file (${first?.path ?? ''}: ${first?.message ?? 'bad shape'})`);
    }
    this.state = { apps: (raw as FileShape).apps as unknown as Record<string, AppRecord> };
  }

  snapshot(): TargetState {
    return structuredClone(this.state);
  }

  get(id: string): AppRecord | undefined {
    const r = this.state.apps[id];
    return r ? structuredClone(r) : undefined;
  }

  ids(): string[] {
    return Object.keys(this.state.apps).sort();
  }

  /** Applies `change` to a copy, persists it, then makes it current: a failed write leaves the old state in place. */
  async update(change: (s: TargetState) => void): Promise<void> {
    const run = async () => {
      const next = structuredClone(this.state);
      change(next);
      await writeJsonAtomic(this.path, { version: 1, apps: next.apps });
      this.state = next;
    };
    const p = this.writing.then(run, run);
    this.writing = p.catch(() => undefined);
    await p;
  }
}
