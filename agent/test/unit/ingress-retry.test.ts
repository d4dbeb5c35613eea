// The ingress resends a request without a body once when the app closed a kept-alive connection just as the
// ingress reused it; a request with a body is never sent twice. Real sockets on loopback.
import t, { type Test } from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Ingress } from '../../src/ingress/proxy.js';

/** An app that answers the first request on each connection and drops the connection at the second one. */
async function forgetfulApp(t: Test): Promise<{ port: number; dropped: () => number; bodies: string[]; connectionHeaders: string[] }> {
  let dropped = 0;
  const bodies: string[] = [];
  const connectionHeaders: string[] = [];
  const seen = new WeakMap<object, number>();
  const server = http.createServer({ keepAlive: true }, (req, res) => {
    connectionHeaders.push(req.headers.connection ?? '');
    const n = (seen.get(req.socket) ?? 0) + 1;
    seen.set(req.socket, n);
    if (n > 1) {
      dropped++;
      req.socket.destroy();
      return;
    }
    let body = '';
    req.on('data', (d: Buffer) => (body += d));
    req.on('end', () => {
      if (body) bodies.push(body);
      res.end(`ok ${req.method}\n`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as AddressInfo).port, dropped: () => dropped, bodies, connectionHeaders };
}

async function through(port: number, method: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    // agent: false sends `Connection: close`, which is the client's business, not the app's
    const req = http.request({ host: '127.0.0.1', port, method, path: '/', headers: { host: 'app.test' }, agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

t.test('a GET on a connection the app just dropped is resent on a new one; a POST is not', async (t) => {
  const app = await forgetfulApp(t);
  const ingress = new Ingress({ logger: pino({ level: 'silent' }) });
  ingress.setRoutes(new Map([['app.test', { app: 'app', service: 'web', containerId: 'c1', ip: '127.0.0.1', port: app.port }]]));
  const server = await ingress.listen(0, '127.0.0.1');
  t.teardown(() => {
    ingress.close();
    return new Promise<void>((r) => server.close(() => r()));
  });
  const port = (server.address() as AddressInfo).port;

  t.same(await through(port, 'GET'), { status: 200, text: 'ok GET\n' }, 'first request: a new pooled connection');
  t.same(await through(port, 'GET'), { status: 200, text: 'ok GET\n' }, 'second request: reused connection dropped, resent');
  t.equal(app.dropped(), 1, 'the app did drop the reused connection (the test can fail)');

  await through(port, 'GET'); // leaves a fresh pooled connection for the POST to reuse
  const post = await through(port, 'POST', 'form=1');
  t.equal(post.status, 502, 'a request with a body is not replayed');
  t.equal(app.dropped(), 2, 'the POST met a dropped connection too');
  t.same(app.bodies, [], 'the body never reached the app twice (nor once)');
  // Pooled requests say keep-alive whatever the client said; only the one-shot resend closes its connection.
  t.same(app.connectionHeaders, ['keep-alive', 'keep-alive', 'close', 'keep-alive', 'keep-alive'], "the client's `Connection: close` is not passed on");
});
