// Joins a client connection to a tunnel stream (or a forwarded connection): already-read bytes first, then both
// directions piped with back-pressure. Half-closes pass through; an error or a full close on one side ends the other.
import type { Duplex } from 'node:stream';

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
  upstream.pipe(client);
  client.resume();
}
