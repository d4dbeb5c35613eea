// Device: is it well, how full is it, which version, and how it is reachable.
import type { AppContext } from '../context.js';
import { formatBytes, formatUptime } from '../lib/format.js';
import { facts, h } from '../ui/dom.js';
import { screen } from '../ui/shell.js';

export async function renderDevice(ctx: AppContext, main: HTMLElement): Promise<void> {
  screen(main, 'Your Hearth');
  const c = ctx.client();
  const [health, info] = await Promise.all([c.health(), c.device()]);
  const used = info.storage.totalBytes - info.storage.freeBytes;
  const pct = info.storage.totalBytes > 0 ? Math.round((used / info.storage.totalBytes) * 100) : 0;
  main.append(
    h('p', { class: `badge ${health.status === 'ok' ? 'ok' : 'warn'}`, id: 'device-status' }, health.status === 'ok' ? 'Working normally' : 'Needs attention'),
    facts([
      ['Device ID', h('code', { class: 'device-id' }, info.deviceId)],
      ['Address', info.deviceDomain],
      ['Version', info.version],
      ['Running for', formatUptime(info.uptimeS)],
      ['Apps', `${health.apps.running} of ${health.apps.total} running`],
      ['App engine', health.engine === 'up' ? 'Running' : 'Stopped: apps cannot start'],
    ]),
    h('h2', {}, 'Storage'),
    h('label', { for: 'storage-meter' }, `${formatBytes(info.storage.freeBytes)} free of ${formatBytes(info.storage.totalBytes)}`),
    h('meter', { id: 'storage-meter', min: 0, max: 100, low: 70, high: 90, optimum: 10, value: pct }, `${pct}% used`),
    h('h2', {}, 'Connections'),
    facts([
      ['Home network', info.connectivity.lan ? 'Reachable' : 'Not reachable'],
      ...info.connectivity.relays.map((r): [string, string] => [`Relay ${hostOf(r.url)}`, r.up ? 'Connected' : 'Not connected']),
      ...(info.connectivity.relays.length === 0 ? [['Relay', 'None set up: reachable at home only'] as [string, string]] : []),
    ]),
  );
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export async function renderUpdates(ctx: AppContext, main: HTMLElement): Promise<void> {
  screen(main, 'Updates');
  const u = await ctx.client().updates();
  main.append(
    facts([
      ['Installed version', u.current],
      ['Channel', u.channel],
    ]),
    h('p', { id: 'update-status' }, u.status),
  );
}
