// Container image references, following the grammar of distribution/reference (what docker and podman accept).
// Normalisation adds `:latest` when neither tag nor digest is given, since `busybox` and `busybox:latest` pull the
// same image; the registry part is left as written (podman resolves short names through registries.conf).
import type { Parsed } from './units.js';

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const NAME_MAX = 255;

/** Validates an image reference and returns its normal form. */
export function normaliseImageRef(text: string): Parsed<string> {
  const match = REFERENCE.exec(text);
  if (!match) {
    const hint = /[A-Z]/.test(text.split('/').slice(-1)[0] ?? '') ? ' (repository names must be lower case)' : '';
    return { ok: false, reason: `"${text}" is not a valid image reference${hint}; expected e.g. docker.io/library/nginx:1.27` };
  }
  const [, name, tag, digest] = match;
  if ((name as string).length > NAME_MAX) return { ok: false, reason: `image name is longer than ${NAME_MAX} characters` };
  if (tag === undefined && digest === undefined) return { ok: true, value: `${name}:latest` };
  return { ok: true, value: text };
}
