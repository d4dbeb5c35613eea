// The retrying transport: reads that got no answer are retried, signed afresh each time; writes and real errors
// are not. The last test uses real sockets: a server that drops the first connection mid-request, through Node's fetch.
import t from 'tap';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AUTH_HEADERS, createRequestSigner, generateClientKeyPair, signedTransport } from '../../src/client-auth/index.js';
import { isNoAnswer, retryingTransport } from '../../src/client/retry-transport.js';
import { fetchTransport, type Transport, type TransportRequest } from '../../src/client/transport.js';
import { HearthClient } from '../../src/client/client.js';

async function* body(text: string): AsyncIterable<Uint8Array> {
  yield new TextEncoder().encode(text);
}

/** A transport that fails with the given errors first, then answers 200; records what it was asked. */
function flaky(errors: unknown[]): { transport: Transport; seen: TransportRequest[] } {
  const seen: TransportRequest[] = [];
  const transport: Transport = async (req) => {
    seen.push(req);
    const err = errors.shift();
    if (err) throw err;
    return { status: 200, body: body('{"ok":true}') };
  };
  return { transport, seen };
}

const noSleep = { sleep: async () => undefined };

t.test('a read that got no answer is retried, each attempt signed with a new nonce', async (t) => {
  const { transport, seen } = flaky([new TypeError('Failed to fetch'), Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })]);
  const { privateKey } = await generateClientKeyPair();
  const slept: number[] = [];
  const signed = signedTransport(transport, createRequestSigner({ keyId: 'k1', privateKey }));
  const res = await retryingTransport(signed, { delaysMs: [5, 7], sleep: async (ms) => void slept.push(ms) })({ method: 'GET', path: '/v1/apps' });
  t.equal(res.status, 200);
  t.equal(seen.length, 3, 'two retries');
  t.same(slept, [5, 7], 'paused before each retry');
  const nonces = seen.map((r) => r.headers?.[AUTH_HEADERS.nonce]);
  t.equal(new Set(nonces).size, 3, 'every attempt carries its own nonce');
});

t.test('gives up after the last delay and throws the last error', async (t) => {
  const last = new TypeError('Failed to fetch (3)');
  const { transport, seen } = flaky([new TypeError('1'), new TypeError('2'), last]);
  await t.rejects(retryingTransport(transport, { delaysMs: [1, 1], ...noSleep })({ method: 'GET', path: '/v1/apps' }), last);
  t.equal(seen.length, 3);
});

t.test('writes and errors that are not a missing answer are never retried', async (t) => {
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const { transport, seen } = flaky([new TypeError('Failed to fetch')]);
    await t.rejects(retryingTransport(transport, noSleep)({ method, path: '/v1/apps', body: '{}' }), TypeError, `${method} is not retried`);
    t.equal(seen.length, 1);
  }
  const abort = Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
  for (const err of [abort, new Error('request body is over the limit'), new TypeError('Invalid URL'), Object.assign(new Error('x'), { code: 'ERR_INVALID_URL' })]) {
    const { transport, seen } = flaky([err]);
    await t.rejects(retryingTransport(transport, noSleep)({ method: 'GET', path: '/v1/apps' }), err, `${err.message}: not retried`);
    t.equal(seen.length, 1);
  }
  t.ok(isNoAnswer(new TypeError('fetch failed')) && isNoAnswer(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })));
});

t.test('real sockets: the first connection is dropped mid-request, the retry is answered', async (t) => {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    if (requests === 1) return void req.socket.destroy();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ apps: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await t.rejects(new HearthClient(fetchTransport(base)).listApps(), TypeError, 'without retries the dropped request fails');
  requests = 0;
  const client = new HearthClient(retryingTransport(fetchTransport(base), { delaysMs: [10] }));
  t.same(await client.listApps(), [], 'with a retry the read is answered');
  t.equal(requests, 2);
});
