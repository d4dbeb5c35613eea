// Turning PEM text into a checked CertBundle. A stored or freshly issued certificate is accepted only if the key
// parses, matches the leaf, the leaf covers the wanted names and has not expired; otherwise the reason is
// returned (never the key material) so the caller can log it and re-issue.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type { CertBundle } from './types.js';
import { covers, normaliseHostname } from './names.js';

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g;

/** The PEM blocks in `text`, with their labels. */
export function pemBlocks(text: string): { label: string; pem: string }[] {
  return [...text.matchAll(BLOCK)].map((m) => ({ label: m[1] as string, pem: m[0] + '\n' }));
}

/** One file holding the private key then the chain (the haproxy layout): written in one atomic rename. */
export function serialiseBundle(keyPem: string, chainPem: string): string {
  return keyPem.trim() + '\n' + chainPem.trim() + '\n';
}

/** `namesChanged`: a sound certificate that just does not cover the wanted names (an app was added). */
export type BundleCheck = { ok: true; bundle: CertBundle } | { ok: false; reason: string; namesChanged?: true };

/** Parses the combined file layout written by serialiseBundle. */
export function parseCombined(text: string, wanted: readonly string[], now: number): BundleCheck {
  const blocks = pemBlocks(text);
  const begins = text.match(/-----BEGIN /g)?.length ?? 0;
  if (begins !== blocks.length) return { ok: false, reason: `truncated or malformed PEM (${begins - blocks.length} unterminated block(s))` };
  const keys = blocks.filter((b) => b.label.endsWith('PRIVATE KEY'));
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE');
  if (keys.length !== 1) return { ok: false, reason: `expected one private key, found ${keys.length}` };
  if (certs.length === 0) return { ok: false, reason: 'no certificate in file' };
  return checkBundle((keys[0] as { pem: string }).pem, certs.map((c) => c.pem).join(''), wanted, now);
}

/** Validates a key + chain for `wanted` names at time `now`. */
export function checkBundle(keyPem: string, chainPem: string, wanted: readonly string[], now: number): BundleCheck {
  let leaf: X509Certificate;
  try {
    const first = pemBlocks(chainPem).find((b) => b.label === 'CERTIFICATE');
    if (!first) return { ok: false, reason: 'no certificate in chain' };
    leaf = new X509Certificate(first.pem);
  } catch (err) {
    return { ok: false, reason: `certificate does not parse (${(err as Error).message})` };
  }
  const chainCheck = checkChain(chainPem);
  if (chainCheck) return { ok: false, reason: chainCheck };
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    return { ok: false, reason: 'private key does not parse' };
  }
  if (!leaf.checkPrivateKey(key)) return { ok: false, reason: 'private key does not match the certificate' };
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (notAfter.getTime() <= now) return { ok: false, reason: `certificate expired at ${notAfter.toISOString()}` };
  const names = certificateNames(leaf);
  if (!covers(names, wanted)) {
    return { ok: false, namesChanged: true, reason: `certificate covers [${names.join(', ')}], not all of [${wanted.join(', ')}]` };
  }
  let secureContext;
  try {
    secureContext = createSecureContext({ key: keyPem, cert: chainPem });
  } catch (err) {
    return { ok: false, reason: `TLS rejects the key/chain (${(err as Error).message})` };
  }
  return {
    ok: true,
    bundle: { names, keyPem, chainPem, notBefore, notAfter, fingerprint256: leaf.fingerprint256, secureContext },
  };
}

/** DNS names from the leaf's subjectAltName, normalised; the order of `wanted` is not assumed. */
export function certificateNames(leaf: X509Certificate): string[] {
  const san = leaf.subjectAltName ?? '';
  const names: string[] = [];
  for (const part of san.split(/,\s*/)) {
    if (!part.startsWith('DNS:')) continue;
    try {
      names.push(normaliseHostname(part.slice(4)));
    } catch {
      // A name we could not request ourselves is simply not one we serve.
    }
  }
  return names;
}

/**
 * Each certificate must be signed by the next, and a CA-issued leaf must come with its intermediate: a file cut
 * at a block boundary would otherwise serve a chain browsers reject.
 */
function checkChain(chainPem: string): string | undefined {
  let certs: X509Certificate[];
  try {
    certs = pemBlocks(chainPem).filter((b) => b.label === 'CERTIFICATE').map((b) => new X509Certificate(b.pem));
  } catch (err) {
    return `certificate chain does not parse (${(err as Error).message})`;
  }
  const leaf = certs[0] as X509Certificate;
  if (certs.length === 1 && !leaf.checkIssued(leaf)) return 'chain has no intermediate certificate';
  for (let i = 0; i + 1 < certs.length; i++) {
    const [child, parent] = [certs[i] as X509Certificate, certs[i + 1] as X509Certificate];
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) return `chain broken at certificate ${i + 1}`;
  }
  return undefined;
}
