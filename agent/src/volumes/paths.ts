// Where an app's files live on the data partition. Everything an app may mount is under its own data folder,
// so a snapshot of that one folder captures all of its state.
import { join } from 'node:path';

export class AppPaths {
  constructor(private readonly dataDir: string) {}

  appDir(app: string): string {
    return join(this.dataDir, 'apps', app);
  }

  /** Root of everything the app's containers can see; snapshotted before updates. */
  dataRoot(app: string): string {
    return join(this.appDir(app), 'data');
  }

  volume(app: string, name: string): string {
    return join(this.dataRoot(app), 'volumes', name);
  }

  /** A compose bind mount `./rel` maps here; the manifest parser already refused absolute paths and `..`. */
  bind(app: string, relative: string): string {
    return join(this.dataRoot(app), 'files', relative);
  }

  snapshots(app: string): string {
    return join(this.appDir(app), 'snapshots');
  }

  stateFile(): string {
    return join(this.dataDir, 'state', 'apps.json');
  }
}
