// toApiError / errorHandler: agent errors → HTTP status and a body an owner can act on. The handler is checked
// inside a real fastify instance (inject: no network).
import t from 'tap';
import Fastify from 'fastify';
import { errorHandler, toApiError } from '../../src/api/errors.js';
import { AppNotFound, ManifestRejected } from '../../src/apps/operations.js';
import { AppLockedError } from '../../src/lifecycle/locks.js';
import { HttpError } from '../../src/auth/http-error.js';

t.test('agent errors map to 400 / 404 / 409 with a stable code', async (t) => {
  const issues = [{ path: 'services.web.image', message: 'is required' }];
  const rejected = toApiError(new ManifestRejected(issues));
  t.same(rejected, { status: 400, body: { error: 'manifest-rejected', message: 'the app file was refused: services.web.image: is required', issues } });
  t.same(toApiError(new AppNotFound('blog')), { status: 404, body: { error: 'not-found', message: 'no app called blog is installed' } });
  t.same(toApiError(new AppLockedError('blog', 'install')), { status: 409, body: { error: 'busy', message: 'app blog is busy (install); try again shortly' } });
});

t.test('fastify validation errors and other 4xx keep their status', async (t) => {
  const validation = Object.assign(new Error('body must have required property \'text\''), { validation: [{}], statusCode: 400 });
  t.same(toApiError(validation), { status: 400, body: { error: 'bad-request', message: "the request is not valid: body must have required property 'text'" } });
  const tooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413 });
  t.same(toApiError(tooLarge), { status: 413, body: { error: 'too-large', message: 'Request body is too large' } });
  const missing = Object.assign(new Error('the app store has no app called x'), { statusCode: 404 });
  t.same(toApiError(missing), { status: 404, body: { error: 'not-found', message: 'the app store has no app called x' } });
});

t.test('pairing and auth refusals keep their own code (the phone acts on HEARTH_AUTH_REVOKED)', async (t) => {
  t.same(toApiError(new HttpError(403, 'HEARTH_AUTH_REVOKED', 'this client has been revoked')), { status: 403, body: { error: 'HEARTH_AUTH_REVOKED', message: 'this client has been revoked' } });
  t.same(toApiError(new HttpError(429, 'HEARTH_PAIR_LOCKED', 'too many pairing attempts')), { status: 429, body: { error: 'HEARTH_PAIR_LOCKED', message: 'too many pairing attempts' } });
});

t.test('anything else is a 500 that keeps its message', async (t) => {
  t.same(toApiError(new Error('engine said no')), { status: 500, body: { error: 'internal', message: 'engine said no' } });
  t.same(toApiError(Object.assign(new Error('upstream'), { statusCode: 502 })), { status: 500, body: { error: 'internal', message: 'upstream' } });
  t.same(toApiError('a thrown string'), { status: 500, body: { error: 'internal', message: 'a thrown string' } });
});

t.test('errorHandler answers through fastify with the mapped status and body', async (t) => {
  const app = Fastify({ logger: false });
  t.teardown(() => app.close());
  app.setErrorHandler(errorHandler);
  app.get('/missing', async () => {
    throw new AppNotFound('ghost');
  });
  app.get('/boom', async () => {
    throw new Error('disk on fire');
  });
  app.post('/typed', { schema: { body: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } } } }, async () => 'ok');
  const missing = await app.inject({ method: 'GET', url: '/missing' });
  t.equal(missing.statusCode, 404);
  t.same(missing.json(), { error: 'not-found', message: 'no app called ghost is installed' });
  const boom = await app.inject({ method: 'GET', url: '/boom' });
  t.equal(boom.statusCode, 500);
  t.same(boom.json(), { error: 'internal', message: 'disk on fire' });
  const bad = await app.inject({ method: 'POST', url: '/typed', payload: { other: 1 } });
  t.equal(bad.statusCode, 400);
  t.match(bad.json(), { error: 'bad-request', message: /^the request is not valid: .*text/ });
});
