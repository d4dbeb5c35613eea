// A stream that first replays bytes already read from `raw` (the peeked ClientHello), then passes `raw` through.
// Writes, end and destroy go straight to `raw`. Used for streams that are not kernel sockets (tunnel streams); a
// net.Socket gets its ClientHello back with unshift() instead, which Node's TLSSocket reads before the native handle.
import { Duplex } from 'node:stream';

export class ReplayDuplex extends Duplex {
  constructor(private readonly raw: Duplex, prefix: Buffer) {
    super();
    this.push(prefix);
    raw.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) raw.pause();
    });
    raw.on('end', () => this.push(null));
    raw.on('error', (err) => this.destroy(err));
    raw.on('close', () => this.destroy());
  }

  override _read(): void {
    this.raw.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.raw.write(chunk, encoding, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.raw.end(cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.raw.destroy();
    cb(err);
  }
}
