// sd_notify without a native module: Node has no unix datagram sockets, so READY/WATCHDOG go through the
// `systemd-notify` binary (the unit needs NotifyAccess=all). Outside systemd (no NOTIFY_SOCKET) it does nothing.
import { execFile } from 'node:child_process';

export interface Notifier {
  ready(status?: string): void;
  status(text: string): void;
  stopping(): void;
  /** Starts WATCHDOG=1 pings at half the interval systemd asked for; `healthy` gates each ping. */
  startWatchdog(healthy: () => boolean): () => void;
}

export function systemdNotifier(env: NodeJS.ProcessEnv = process.env): Notifier {
  const enabled = !!env.NOTIFY_SOCKET;
  const send = (...assignments: string[]) => {
    if (!enabled) return;
    execFile('systemd-notify', [`--pid=${process.pid}`, ...assignments], () => undefined);
  };
  return {
    ready: (status) => send('--ready', ...(status ? [`--status=${status}`] : [])),
    status: (text) => send(`--status=${text}`),
    stopping: () => send('STOPPING=1'),
    startWatchdog: (healthy) => {
      const usec = Number(env.WATCHDOG_USEC ?? 0);
      if (!enabled || !usec) return () => undefined;
      const t = setInterval(() => healthy() && send('WATCHDOG=1'), Math.max(500, usec / 2000));
      t.unref();
      return () => clearInterval(t);
    },
  };
}
