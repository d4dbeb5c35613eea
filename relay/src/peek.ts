// Reads the first bytes of a client connection until a decision can be made (a whole ClientHello, or a whole HTTP
// request head), with a byte cap and a deadline, so a slow or hostile client costs little and cannot hold a slot.
import type { Socket } from 'node:net';

export type PeekDecision<T> = { kind: 'incomplete' } | { kind: 'invalid'; reason: string } | ({ kind: 'ok' } & T);

export class PeekError extends Error {}

export function peek<T>(
  socket: Socket,
  decide: (data: Buffer) => PeekDecision<T>,
  maxBytes: number,
  timeoutMs: number,
): Promise<{ result: T; data: Buffer }> {
  return new Promise((resolve, reject) => {
    let data: Buffer = Buffer.alloc(0);
    const done = (err: Error | null, result?: T): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
      socket.off('close', onEnd);
      socket.pause();
      if (err) reject(err);
      else resolve({ result: result as T, data });
    };
    const onData = (chunk: Buffer): void => {
      data = data.length === 0 ? chunk : Buffer.concat([data, chunk]);
      const decision = decide(data);
      if (decision.kind === 'ok') return done(null, decision as unknown as T);
      if (decision.kind === 'invalid') return done(new PeekError(decision.reason));
      if (data.length > maxBytes) done(new PeekError(`more than ${maxBytes} bytes without a decision`));
    };
    const onEnd = (): void => done(new PeekError('closed before a complete header'));
    const timer = setTimeout(() => done(new PeekError(`no complete header within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', onEnd);
    // Destroyed by the relay (shutdown, caps) without 'end' or 'error': without this the timer and the socket it
    // holds would live on until the hello timeout.
    socket.once('close', onEnd);
  });
}
