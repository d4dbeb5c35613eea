// Where TLS secrets live: <dataDir>/tls/, directory 0700, every file 0600, each written atomically (temp file,
// fsync, rename, fsync dir) so a power cut leaves the old or the new key/chain, never a mismatched pair.
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../state/atomic-file.js';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { normaliseHostname } from './names.js';

const StoredAccountSchema = Type.Object({
  directoryUrl: Type.String({ minLength: 1 }),
  accountUrl: Type.String({ minLength: 1 }),
  /** PKCS#8 PEM. Secret. */
  keyPem: Type.String({ pattern: '^-----BEGIN [A-Z ]*PRIVATE KEY-----' }),
});
export type StoredAccount = Static<typeof StoredAccountSchema>;

export class CertStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'tls');
  }

  /**
   * The registered account for one ACME directory (accounts are per CA), or undefined if none yet. Written only
   * after the CA accepted the registration, so key and URL always belong together.
   */
  async readAccount(directoryUrl: string): Promise<StoredAccount | undefined> {
    const path = this.accountPath(directoryUrl);
    const text = await this.readSecret(path);
    if (text === undefined) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(`${path}: ACME account file is not valid JSON`);
    }
    if (!Value.Check(StoredAccountSchema, value)) throw new Error(`${path}: ACME account file does not match its schema`);
    if (value.directoryUrl !== directoryUrl) throw new Error(`${path}: account belongs to ${value.directoryUrl}`);
    return value;
  }

  async writeAccount(account: StoredAccount): Promise<void> {
    await this.writeSecret(this.accountPath(account.directoryUrl), JSON.stringify(account) + '\n');
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
    return join(this.dir, `account-${id}.json`);
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
