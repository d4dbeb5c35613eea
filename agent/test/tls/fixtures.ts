// Throwaway certificates (openssl) and a fixed CertificateSource for terminator tests that need no CA.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkBundle } from '../../src/tls/pem-bundle.js';
import { nameMatches } from '../../src/tls/names.js';
import { ChallengeStore } from '../../src/tls/challenges.js';
import type { CertBundle, CertificateSource } from '../../src/tls/types.js';

/** A self-signed P-256 certificate for `names`, valid from -1 day for `days`. */
export function selfSigned(dir: string, label: string, names: string[], days = 2): { keyPem: string; certPem: string } {
  const key = join(dir, `${label}.key`);
  const cert = join(dir, `${label}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', String(days),
    '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`, '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { keyPem: readFileSync(key, 'utf8'), certPem: readFileSync(cert, 'utf8') };
}

export class StaticSource implements CertificateSource {
  readonly challenges = new ChallengeStore();
  readonly bundles: CertBundle[] = [];

  add(keyPem: string, certPem: string, names: string[]): CertBundle {
    const check = checkBundle(keyPem, certPem, names, Date.now());
    if (!check.ok) throw new Error(check.reason);
    this.bundles.push(check.bundle);
    return check.bundle;
  }

  async ensure(): Promise<CertBundle> {
    throw new Error('static');
  }

  current(name: string): CertBundle | undefined {
    return this.bundles.find((b) => b.names.some((n) => nameMatches(n, name)));
  }

  fallback(): CertBundle | undefined {
    return this.bundles[0];
  }

  stop(): void {}
}
