// Joins a client connection to a tunnel stream (or a forwarded connection): already-read bytes first, then both
// directions piped with back-pressure. Half-closes pass through; an error or a full close on one side ends the other.
import type { Duplex, Readable, Writable } from 'node:stream';

/** How much the relay holds in user space for one slow client before it pauses that client's tunnel stream. */
export const CLIENT_BUFFER_BYTES = 128 * 1024;

export function splice(client: Duplex, upstream: Duplex, initial: Buffer | undefined, onClose?: () => void): void {
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    client.destroy();
    upstream.destroy();
    onClose?.();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('close', close);
  upstream.on('close', close);
  if (initial && initial.length > 0) upstream.write(initial);
  client.pipe(upstream);
  pipeCoalesced(upstream, client, CLIENT_BUFFER_BYTES);
  client.resume();
}

/**
 * Like `from.pipe(to)`, but everything that arrives in one event-loop turn goes out as one writev. An Http2Stream
 * emits every piece of a DATA frame separately (about two per 16 KiB TLS record of the tunnel, one of them often just
 * a few bytes, since 16 KiB frames plus their 9-byte headers straddle the records), and pipe() made each one its own
 * write syscall, TCP segment and wakeup of the client: measured, that was ~45% of the relay's CPU in a bulk download.
 * Back-pressure is kept: at `maxBuffered` bytes queued in `to`, `from` is paused until `to` drains (a paused
 * Http2Stream stops returning flow-control credit, so the device stops sending too).
 */
export function pipeCoalesced(from: Readable, to: Writable, maxBuffered: number): void {
  let flushScheduled = false;
  const flush = (): void => {
    flushScheduled = false;
    to.uncork();
  };
  const resume = (): void => {
    from.resume();
  };
  from.on('data', (chunk: Buffer) => {
    if (!flushScheduled) {
      flushScheduled = true;
      to.cork();
      setImmediate(flush);
    }
    // Past the 16 KiB highWaterMark write() returns false, which arms 'drain' for when the buffer empties.
    to.write(chunk);
    if (to.writableLength >= maxBuffered) {
      from.pause();
      to.once('drain', resume);
    }
  });
  from.once('end', () => to.end());
}
