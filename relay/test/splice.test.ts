// The tunnel → client copy: chunks of one event-loop turn leave as one write, and a client that stops reading pauses
// the tunnel stream at a bounded buffer instead of letting the relay queue without limit.
import t from 'tap';
import { PassThrough, Writable } from 'node:stream';
import { pipeCoalesced } from '../src/splice.js';

/** A writable whose writes complete only when `release()` is called (a client that stopped reading). */
function stalledSink(): { sink: Writable; batches: Buffer[][]; release: () => void } {
  const batches: Buffer[][] = [];
  let held: Array<() => void> = [];
  let stalled = true;
  const sink = new Writable({
    writev(chunks, callback) {
      batches.push(chunks.map((c) => c.chunk as Buffer));
      if (stalled) held.push(() => callback());
      else callback();
    },
  });
  const release = (): void => {
    stalled = false;
    const h = held;
    held = [];
    for (const cb of h) cb();
  };
  return { sink, batches, release };
}

t.test('fragments of one turn go out as one writev; end passes through', async (t) => {
  const from = new PassThrough();
  const { sink, batches, release } = stalledSink();
  release();
  pipeCoalesced(from, sink, 1 << 20);
  for (const piece of ['a', 'bb', 'ccc']) from.write(piece);
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  t.equal(batches.length, 1, 'one write for three fragments');
  t.equal(Buffer.concat(batches[0]!).toString(), 'abbccc');
  from.end('d');
  await new Promise<void>((r) => sink.once('finish', r));
  t.equal(Buffer.concat(batches.flat()).toString(), 'abbcccd');
});

t.test('a stalled client pauses the source at the bound; everything arrives in order once it reads again', async (t) => {
  const bound = 64 * 1024;
  const from = new PassThrough({ highWaterMark: 16 * 1024 });
  const { sink, batches, release } = stalledSink();
  pipeCoalesced(from, sink, bound);
  const chunk = 8 * 1024;
  const total = 1024 * 1024;
  let offered = 0;
  let refused = false;
  // Offer a megabyte the way a producer honouring back-pressure would: stop when the source says so.
  for (let turn = 0; turn < 200 && offered < total && !refused; turn++) {
    while (offered < total) {
      const piece = Buffer.alloc(chunk, offered / chunk);
      offered += chunk;
      if (!from.write(piece)) {
        refused = true;
        break;
      }
    }
    await new Promise((r) => setImmediate(r));
  }
  t.ok(refused, 'the producer was told to stop');
  t.ok(from.isPaused(), 'source paused');
  t.ok(sink.writableLength < bound + chunk, `client buffer bounded (${sink.writableLength} bytes)`);
  t.ok(offered < total, `not everything was accepted (${offered} of ${total})`);

  release();
  const rest = async (): Promise<void> => {
    while (offered < total) {
      const piece = Buffer.alloc(chunk, offered / chunk);
      offered += chunk;
      if (!from.write(piece)) await new Promise((r) => from.once('drain', r));
    }
    from.end();
  };
  await Promise.all([rest(), new Promise<void>((r) => sink.once('finish', r))]);
  const all = Buffer.concat(batches.flat());
  t.equal(all.length, total);
  let inOrder = true;
  for (let i = 0; i < total / chunk; i++) if (all[i * chunk] !== (i & 0xff) || all[i * chunk + chunk - 1] !== (i & 0xff)) inOrder = false;
  t.ok(inOrder, 'bytes in order');
});
