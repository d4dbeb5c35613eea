// hearth-relay as a process: SIGTERM stops it even when whoever read its log has gone away with lines still queued
// (a crashed log shipper, a closed terminal). pino flushes its queue synchronously on exit, and sonic-boom 4 retried
// a write failing with EPIPE forever there, so the relay hung at 0% CPU holding its ports.
import t from 'tap';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { makeCert, sendAndWaitClose, tempDir } from './fixtures.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

t.test('SIGTERM stops the relay after its log reader went away', async (t) => {
  const dir = await tempDir(t);
  const cert = await makeCert(dir, 'tunnel', ['localhost'], ['127.0.0.1']);
  const configPath = join(dir, 'relay.json');
  await writeFile(configPath, JSON.stringify({ relayName: '127.0.0.1', zone: 'relay.test', listen: { host: '127.0.0.1', https: 0, http: 0, tunnel: 0 }, tunnelTls: { cert: cert.cert, key: cert.key } }));
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--config', configPath, '--log-level', 'debug'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const lines = createInterface({ input: child.stdout! });
  const https = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`relay exited with ${code} before listening`)));
    lines.on('line', (line) => {
      const e = JSON.parse(line) as { msg: string; https?: number };
      if (e.msg === 'relay listening') resolve(e.https!);
    });
  });
  // Stop reading: each rejected connection logs a line, and ~3,000 of them overflow the pipe, so the relay's
  // logger holds a queue when the reader goes away.
  lines.close();
  child.stdout!.pause();
  for (let i = 0; i < 30; i++) await Promise.all(Array.from({ length: 100 }, () => sendAndWaitClose(https, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), false)));

  // SIGTERM while the reader is still there but not reading (the exit flush waits on a full pipe), then the reader
  // goes away: the flush now fails with EPIPE and must give up.
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  const started = Date.now();
  child.stdout!.destroy();
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([exited, new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), 8000)))]);
  clearTimeout(timer);
  t.not(code, 'hung', 'the relay exits once its log reader is gone');
  t.comment(`exited ${Date.now() - started} ms after the reader went away`);
});
