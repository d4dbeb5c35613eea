// lazyValidatorFactory: request schemas compiled on a route's first request, with fastify's own validator and its
// errors; checked inside real fastify instances built with the agent's options (inject: no network).
import t from 'tap';
import Fastify from 'fastify';
import AjvCompiler from '@fastify/ajv-compiler';
import pino from 'pino';
import { Type } from '@sinclair/typebox';
import { fastifyOptions } from '../../src/api/fastify-options.js';
import { lazyValidatorFactory, type Factory } from '../../src/api/lazy-validators.js';

const Body = Type.Object({ name: Type.String({ minLength: 1 }), size: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });
const Params = Type.Object({ id: Type.String({ pattern: '^[a-z]+$' }) });

const fastifysOwn = () => AjvCompiler() as unknown as Factory;

/** fastify's own factory, counting the Ajv instances it builds and the schemas it compiles. */
function countingFactory(): { factory: Factory; builds: () => number; compiled: string[] } {
  const real = fastifysOwn();
  let builds = 0;
  const compiled: string[] = [];
  const factory: Factory = (externals, options) => {
    builds++;
    const compile = real(externals, options);
    return (route) => {
      compiled.push(`${route.method} ${route.url} ${route.httpPart}`);
      return compile(route);
    };
  };
  return { factory, builds: () => builds, compiled };
}

function server(factory: Factory = fastifysOwn()) {
  const app = Fastify({ ...fastifyOptions(pino({ level: 'silent' }), 'test', 1024), schemaController: { compilersFactory: { buildValidator: lazyValidatorFactory(factory) } } });
  app.post('/things/:id', { schema: { body: Body, params: Params } }, async (req) => ({ got: req.body }));
  app.get('/other', { schema: { querystring: Type.Object({ n: Type.Integer() }) } }, async (req) => req.query);
  return app;
}

t.test('nothing is compiled at start-up; each schema on its route first request, once', async (t) => {
  const count = countingFactory();
  const app = server(count.factory);
  t.teardown(() => app.close());
  await app.ready();
  t.equal(count.builds(), 0, 'no Ajv instance at start-up');
  t.same(count.compiled, []);
  const ok = await app.inject({ method: 'POST', url: '/things/abc', payload: { name: 'a', size: 1 } });
  t.equal(ok.statusCode, 200);
  t.same(ok.json(), { got: { name: 'a', size: 1 } });
  t.equal(count.builds(), 1);
  t.same(count.compiled.sort(), ['POST /things/:id body', 'POST /things/:id params']);
  await app.inject({ method: 'POST', url: '/things/def', payload: { name: 'b', size: 2 } });
  t.equal(count.compiled.length, 2, 'compiled once, not per request');
  const q = await app.inject({ method: 'GET', url: '/other?n=3' });
  t.same(q.json(), { n: 3 }, 'querystring coerced as fastify does');
  t.equal(count.builds(), 1, 'one Ajv instance per server');
  t.equal(count.compiled.length, 3);
});

t.test('invalid requests get fastify\'s 400 naming the field, first call and later ones', async (t) => {
  const app = server();
  t.teardown(() => app.close());
  for (const [payload, field] of [[{ name: '', size: 1 }, '/name'], [{ name: 'a', size: -1 }, '/size'], [{ name: 'a' }, "'size'"]] as const) {
    const res = await app.inject({ method: 'POST', url: '/things/abc', payload });
    t.equal(res.statusCode, 400, JSON.stringify(payload));
    t.match(res.json().message, field);
  }
  const badParam = await app.inject({ method: 'POST', url: '/things/ABC', payload: { name: 'a', size: 1 } });
  t.equal(badParam.statusCode, 400);
  t.match(badParam.json().message, /params\/id must match pattern/);
  // fastify's Ajv options (removeAdditional) drop unknown properties rather than refuse them: unchanged.
  const extra = await app.inject({ method: 'POST', url: '/things/abc', payload: { name: 'a', size: 1, extra: true } });
  t.same(extra.json(), { got: { name: 'a', size: 1 } });
  const good = await app.inject({ method: 'POST', url: '/things/abc', payload: { name: 'a', size: 1 } });
  t.equal(good.statusCode, 200, 'a valid request after invalid ones passes (errors do not stick)');
});

t.test('a header schema is refused when the route is registered', async (t) => {
  const app = server();
  t.teardown(() => app.close());
  app.get('/h', { schema: { headers: Type.Object({ 'X-Thing': Type.String() }) } }, async () => 'x');
  await t.rejects(async () => {
    await app.ready();
  }, /GET \/h: header schemas are not supported/);
});
