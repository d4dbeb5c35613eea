// Maps the agent's errors to HTTP answers with words an owner can act on. Unknown errors keep their message
// (they never carry secrets: secrets are not put in errors) and become 500.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppNotFound, ManifestRejected } from '../apps/operations.js';
import { AppLockedError } from '../lifecycle/locks.js';
import { HttpError } from '../auth/http-error.js';

export interface ApiErrorBody {
  error: string;
  message: string;
  issues?: Array<{ path: string; message: string }>;
}

export function toApiError(err: unknown): { status: number; body: ApiErrorBody } {
  if (err instanceof ManifestRejected) return { status: 400, body: { error: 'manifest-rejected', message: err.message, issues: err.issues } };
  if (err instanceof AppNotFound) return { status: 404, body: { error: 'not-found', message: err.message } };
  if (err instanceof AppLockedError) return { status: 409, body: { error: 'busy', message: err.message } };
  // Pairing and owner auth name their refusal (HEARTH_AUTH_REVOKED, HEARTH_PAIR_LOCKED...): a client acts on the code,
  // as the phone does when its own unpairing answer was lost and the device now refuses it as revoked.
  if (err instanceof HttpError) return { status: err.statusCode, body: { error: err.code, message: err.message } };
  if (!err || typeof err !== 'object') return { status: 500, body: { error: 'internal', message: String(err) } };
  const fe = err as FastifyError;
  if (fe.validation) return { status: 400, body: { error: 'bad-request', message: `the request is not valid: ${fe.message}` } };
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = { 401: 'unauthorized', 403: 'forbidden', 404: 'not-found', 409: 'busy', 413: 'too-large' }[fe.statusCode] ?? 'bad-request';
    return { status: fe.statusCode, body: { error: code, message: fe.message } };
  }
  return { status: 500, body: { error: 'internal', message: (err as Error).message ?? String(err) } };
}

export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toApiError(err);
  if (status >= 500) req.log.error({ err: (err as Error).message }, 'request failed');
  void reply.status(status).send(body);
}
