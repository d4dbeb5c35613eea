// Control frames exchanged on a fresh tunnel connection before it switches to HTTP/2: a 4-byte big-endian length
// then UTF-8 JSON. Reading stops exactly at the end of one frame and pushes any extra bytes back, because the
// peer may already have started HTTP/2 in the same TCP segment.
import type { Duplex } from 'node:stream';

export const MAX_CONTROL_FRAME = 8 * 1024;

export function encodeFrame(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  if (body.length > MAX_CONTROL_FRAME) throw new Error(`control frame too large: ${body.length} > ${MAX_CONTROL_FRAME} bytes`);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  return Buffer.concat([header, body]);
}

export class FrameError extends Error {}

/** Reads one control frame (JSON value, not yet schema-checked). Rejects on oversize, bad JSON, close or timeout. */
export function readFrame(stream: Duplex, timeoutMs: number, maxBytes = MAX_CONTROL_FRAME): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let buffered: Buffer = Buffer.alloc(0);
    const finish = (err: Error | null, value?: unknown, rest?: Buffer): void => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
      stream.pause();
      if (rest && rest.length > 0) stream.unshift(rest);
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      if (buffered.length < 4) return;
      const length = buffered.readUInt32BE(0);
      if (length > maxBytes) return finish(new FrameError(`control frame of ${length} bytes exceeds ${maxBytes}`));
      if (buffered.length < 4 + length) return;
      let value: unknown;
      try {
        value = JSON.parse(buffered.subarray(4, 4 + length).toString('utf8'));
      } catch {
        return finish(new FrameError('control frame is not valid JSON'));
      }
      finish(null, value, buffered.subarray(4 + length));
    };
    const onEnd = (): void => finish(new FrameError('connection closed before a complete control frame'));
    const onError = (err: Error): void => finish(err);
    const timer = setTimeout(() => finish(new FrameError(`no control frame within ${timeoutMs} ms`)), timeoutMs);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    stream.once('error', onError);
    stream.resume();
  });
}
