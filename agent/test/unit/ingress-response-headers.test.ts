// The ingress passes an app's response headers on without the hop-by-hop ones (RFC 9110 section 7.6.1): they
// describe the app's connection to the ingress. busybox httpd, for one, answers every request with
// `Connection: close`; passed on, it closed the client's kept-alive connection to the ingress after every response.
// Real sockets on loopback.
import t from 'tap';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pino } from 'pino';
import { Ingress } from '../../src/ingress/proxy.js';

t.test("an app's Connection header and the headers it names stay between the app and the ingress", async (t) => {
  const app = http.createServer((_req, res) => {
    res.writeHead(200, [
      'Content-Type', 'text/plain',
      'Connection', 'close, X-Hop',
      'X-Hop', 'for the ingress only',
      'Keep-Alive', 'timeout=99',
      'Set-Cookie', 'a=1',
      'Set-Cookie', 'b=2',
      'X-App', 'kept',
    ]);
    res.end('hello\n');
  });
  await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => app.close(() => r())));

  const ingress = new Ingress({ logger: pino({ level: 'silent' }) });
  const appPort = (app.address() as AddressInfo).port;
  ingress.setRoutes(new Map([['app.test', { app: 'app', service: 'web', containerId: 'c1', ip: '127.0.0.1', port: appPort }]]));
  const server = await ingress.listen(0, '127.0.0.1');
  t.teardown(() => {
    ingress.close();
    return new Promise<void>((r) => server.close(() => r()));
  });
  const port = (server.address() as AddressInfo).port;

  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const get = () =>
    new Promise<{ res: http.IncomingMessage; socket: Socket; text: string }>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host: 'app.test' }, agent }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d));
        res.on('end', () => resolve({ res, socket: req.socket as Socket, text }));
      });
      req.on('error', reject);
    });

  const first = await get();
  t.equal(first.text, 'hello\n');
  t.equal(first.res.headers.connection, 'keep-alive', "the client's connection is the ingress's to keep, not closed on the app's say");
  t.equal(first.res.headers['x-hop'], undefined, 'a header the app named in Connection is not passed on');
  t.not(first.res.headers['keep-alive'], 'timeout=99', "the app's Keep-Alive is not passed on");
  t.same(first.res.headers['set-cookie'], ['a=1', 'b=2'], 'repeated end-to-end headers all arrive');
  t.equal(first.res.headers['x-app'], 'kept', 'end-to-end headers arrive');

  const second = await get();
  t.equal(second.text, 'hello\n');
  t.equal(second.socket, first.socket, 'the second request rode the same client connection');
});
