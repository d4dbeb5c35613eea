// Where TLS secrets live: <dataDir>/tls/, directory 0700, every file 0600, each written atomically (temp file,
// fsync, rename, fsync dir) so a power cut leaves the old or the new key/chain, never a mismatched pair.
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../state/atomic-file.js';
import { normaliseHostname } from './names.js';

export class CertStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'tls');
  }

  /** The account key for one ACME directory (accounts are per CA), or undefined if none yet. */
  async readAccountKey(directoryUrl: string): Promise<string | undefined> {
    return this.readSecret(this.accountPath(directoryUrl));
  }

  async writeAccountKey(directoryUrl: string, keyPem: string): Promise<void> {
    await this.writeSecret(this.accountPath(directoryUrl), keyPem);
  }

  /** The combined key + chain file for a certificate whose primary name is `primary`. */
  async readCertificate(primary: string): Promise<string | undefined> {
    return this.readSecret(this.certPath(primary));
  }

  async writeCertificate(primary: string, combinedPem: string): Promise<void> {
    await this.writeSecret(this.certPath(primary), combinedPem);
  }

  certPath(primary: string): string {
    // normaliseHostname rejects '/', '..' and the like, so the name is safe as a file name.
    return join(this.dir, 'certs', `${normaliseHostname(primary).replace(/^\*\./, '_wildcard.')}.pem`);
  }

  accountPath(directoryUrl: string): string {
    const id = createHash('sha256').update(directoryUrl).digest('hex').slice(0, 16);
    return join(this.dir, `account-${id}.key`);
  }

  private async readSecret(path: string): Promise<string | undefined> {
    try {
      const info = await stat(path);
      // Tighten rather than refuse: a key readable by others is still ours, but must not stay that way.
      if ((info.mode & 0o077) !== 0) await chmod(path, 0o600);
      return await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  private async writeSecret(path: string, text: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await mkdir(join(this.dir, 'certs'), { recursive: true, mode: 0o700 });
    await writeFileAtomic(path, text, { mode: 0o600 });
  }
}
