// Node 20's Http2Stream corrupts string chunks written with the 'latin1' encoding (the bytes are read from a freed
// temporary after the write returns; seen as a garbled "HTTP/1.1 200 OK" status line from node:http). node:http writes
// its head that way, so plain-HTTP streams are passed through this wrapper, whose default decodeStrings turns every
// string into a Buffer before it reaches the HTTP/2 stream. TLS streams only ever carry Buffers and skip it.
import { Duplex } from 'node:stream';

//
// It also acknowledges writes early, up to `bufferBytes` queued in the stream: a TLS socket running over a JS stream
// keeps one write in flight and waits for its callback, and an Http2Stream calls back only once its 16 KiB buffer has
// gone out, which turns bulk transfers into stop-and-wait. A larger bound keeps the pipeline full.
export function withBufferWrites(inner: Duplex, bufferBytes = 0): Duplex {
  const outer = new Duplex({
    allowHalfOpen: true,
    write(chunk: Buffer, _encoding, callback) {
      const below = inner.write(chunk) || inner.writableLength < bufferBytes;
      if (below) callback();
      else inner.once('drain', () => callback());
    },
    final(callback) {
      inner.end(callback);
    },
    read() {
      inner.resume();
    },
    destroy(err, callback) {
      inner.destroy(err ?? undefined);
      callback(err);
    },
  });
  inner.on('data', (chunk: Buffer) => {
    if (!outer.push(chunk)) inner.pause();
  });
  inner.on('end', () => outer.push(null));
  inner.on('error', (err) => outer.destroy(err));
  inner.on('close', () => outer.destroy());
  return outer;
}
