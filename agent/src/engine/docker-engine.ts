// The Engine over the Docker Engine API (dockerode). Pointed at podman's Docker-compatible socket by default,
// at dockerd when configured. Only engine quirks live here; every decision is made elsewhere.
import Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import type {
  ContainerCreateBody,
  ContainerRunState,
  Engine,
  EngineContainer,
  EngineEvent,
  EngineNetwork,
  ExecResult,
  PullProgress,
} from './engine.js';
import { LABEL } from './labels.js';

const STATES: ContainerRunState[] = ['created', 'running', 'paused', 'restarting', 'exited', 'dead', 'removing'];

export class DockerEngine implements Engine {
  private readonly docker: Docker;
  private readonly scopeFilter: string;

  /** `scope` labels everything this agent creates, and it only ever sees objects carrying its scope. */
  constructor(
    socketPath: string,
    private readonly scope = 'device',
  ) {
    this.docker = new Docker({ socketPath });
    this.scopeFilter = `${LABEL.scope}=${scope}`;
    this.prefix = scope === 'device' ? '' : `${scope}_`;
  }

  // A device has one agent and uses the plain names. Several agents sharing one engine (tests, the demo beside a
  // real device) get their scope as a name prefix, so two of them can run an app with the same id.
  private readonly prefix: string;

  private physical(name: string): string {
    return this.prefix + name;
  }

  private logical(name: string): string {
    return this.prefix && name.startsWith(this.prefix) ? name.slice(this.prefix.length) : name;
  }

  async ping(): Promise<void> {
    await this.docker.ping();
  }

  async listContainers(): Promise<EngineContainer[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [this.scopeFilter] } });
    return Promise.all(
      list.map(async (c) => {
        const state = toState(c.State);
        const ips: Record<string, string> = {};
        for (const [net, info] of Object.entries(c.NetworkSettings?.Networks ?? {})) {
          if (info?.IPAddress) ips[this.logical(net)] = info.IPAddress;
        }
        const out: EngineContainer = {
          id: c.Id,
          name: this.logical((c.Names[0] ?? '').replace(/^\//, '')),
          labels: c.Labels ?? {},
          state,
          ips,
        };
        // The list does not carry exit codes and times; only stopped containers need them (crash accounting), so a
        // no-op pass over running apps costs one list call.
        if (state === 'exited' || state === 'dead') {
          const info = await this.docker.getContainer(c.Id).inspect().catch(() => undefined);
          if (info) {
            out.exitCode = info.State.ExitCode;
            out.startedAt = parseTime(info.State.StartedAt);
            out.finishedAt = parseTime(info.State.FinishedAt);
          }
        }
        return out;
      }),
    );
  }

  async listNetworks(): Promise<EngineNetwork[]> {
    const nets = await this.docker.listNetworks({ filters: { label: [this.scopeFilter] } });
    return nets.map((n) => ({
      name: this.logical(n.Name),
      labels: n.Labels ?? {},
      subnets: (n.IPAM?.Config ?? []).flatMap((c) => (c.Subnet ? [c.Subnet] : [])),
    }));
  }

  async createNetwork(name: string, labels: Record<string, string>): Promise<void> {
    try {
      // `isolate`: netavark drops traffic between this bridge and other isolated ones, so apps cannot reach
      // each other's containers (dockerd isolates user bridges by default and ignores the option).
      await this.docker.createNetwork({
        Name: this.physical(name),
        Driver: 'bridge',
        Options: { isolate: 'true' },
        Labels: { ...labels, [LABEL.managed]: 'true', [LABEL.scope]: this.scope },
        CheckDuplicate: true,
      });
    } catch (err) {
      if (statusOf(err) !== 409) throw err; // already exists: converged
    }
  }

  async removeNetwork(name: string): Promise<void> {
    try {
      await this.docker.getNetwork(this.physical(name)).remove();
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }

  async hasImage(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(ref).inspect();
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw err;
    }
  }

  async pullImage(ref: string, onProgress?: (p: PullProgress) => void): Promise<void> {
    const stream = (await this.docker.pull(ref)) as Readable;
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (err: Error | null, output: Array<{ error?: string }>) => {
          const failed = output?.find((o) => o.error);
          if (err) reject(err);
          else if (failed) reject(new Error(failed.error));
          else resolve();
        },
        (event: { status?: string; id?: string; progressDetail?: { current?: number; total?: number } }) => {
          onProgress?.({ status: event.status ?? '', id: event.id, current: event.progressDetail?.current, total: event.progressDetail?.total });
        },
      );
    });
  }

  async loadImage(archive: Readable): Promise<string[]> {
    const res = (await this.docker.loadImage(archive, { quiet: true })) as unknown as Readable;
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(Buffer.from(chunk as Buffer));
    const refs: string[] = [];
    for (const line of Buffer.concat(chunks).toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      const msg = JSON.parse(line) as { stream?: string; error?: string };
      if (msg.error) throw new Error(`image archive refused by the engine: ${msg.error}`);
      const m = /Loaded image(?: ID)?\(?s?\)?: (.+)/.exec(msg.stream ?? '');
      if (m?.[1]) refs.push(...m[1].trim().split(/,\s*/));
    }
    return refs;
  }

  async createContainer(body: ContainerCreateBody): Promise<string> {
    try {
      const nets = Object.fromEntries(Object.entries(body.NetworkingConfig.EndpointsConfig).map(([n, v]) => [this.physical(n), v]));
      const scoped = {
        ...body,
        name: this.physical(body.name),
        HostConfig: { ...body.HostConfig, NetworkMode: this.physical(String(body.HostConfig.NetworkMode)) },
        NetworkingConfig: { EndpointsConfig: nets },
        Labels: { ...body.Labels, [LABEL.scope]: this.scope },
      };
      const c = await this.docker.createContainer(scoped as unknown as Docker.ContainerCreateOptions);
      return c.id;
    } catch (err) {
      // A create re-planned after a crash finds its container already there: adopt it.
      if (statusOf(err) === 409 || /already in use/.test(String((err as Error).message))) {
        const info = await this.docker.getContainer(this.physical(body.name)).inspect();
        if (info.Config.Labels?.[LABEL.scope] !== this.scope) throw err; // someone else's container: never adopt it
        return info.Id;
      }
      throw err;
    }
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      if (statusOf(err) !== 304) throw err; // already running
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: timeoutSeconds });
    } catch (err) {
      const s = statusOf(err);
      if (s !== 304 && s !== 404) throw err;
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: false });
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
  }

  async exec(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult> {
    const exec = await this.docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = (await exec.start({ hijack: true, stdin: false })) as unknown as Readable;
    const sink = new PassThrough();
    let output = '';
    sink.on('data', (d: Buffer) => {
      if (output.length < 4096) output += d.toString('utf8');
    });
    this.docker.modem.demuxStream(stream, sink, sink);
    const finished = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', done);
    });
    if (!finished) {
      stream.destroy();
      return { exitCode: -1, output: `timed out after ${timeoutMs} ms` };
    }
    try {
      const info = await exec.inspect();
      return { exitCode: info.ExitCode ?? -1, output: output.slice(0, 4096) };
    } catch (err) {
      // podman reaps a finished exec session after its exit_command_delay (10 s on a device): only an agent stalled
      // that long gets here, and the probe then counts as failed rather than guessed.
      if (statusOf(err) !== 404) throw err;
      return { exitCode: -1, output: 'the engine reaped the exec session before its exit code was read' };
    }
  }

  async logs(id: string, opts: { tail: number }): Promise<string> {
    const buf = (await this.docker.getContainer(id).logs({ stdout: true, stderr: true, tail: opts.tail, follow: false, timestamps: true })) as unknown as Buffer;
    return demuxBuffer(Buffer.from(buf));
  }

  watchEvents(onEvent: (e: EngineEvent) => void, onError: (err: Error) => void): () => void {
    let stream: Readable | undefined;
    let stopped = false;
    this.docker
      .getEvents({ filters: { type: ['container'], label: [this.scopeFilter] } })
      .then((s) => {
        stream = s as unknown as Readable;
        if (stopped) return stream.destroy();
        let buf = '';
        stream.on('data', (chunk: Buffer) => {
          buf += chunk.toString('utf8');
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line) continue;
            try {
              const e = JSON.parse(line) as { Type?: string; Action?: string; status?: string; Actor?: { ID?: string; Attributes?: Record<string, string> }; id?: string };
              onEvent({ type: e.Type ?? 'container', action: e.Action ?? e.status ?? '', id: e.Actor?.ID ?? e.id ?? '', labels: e.Actor?.Attributes ?? {} });
            } catch {
              // a garbled event line is not worth crashing for: the periodic pass still converges
            }
          }
        });
        stream.on('error', (err: Error) => !stopped && onError(err));
        stream.on('end', () => !stopped && onError(new Error('engine event stream ended')));
      })
      .catch((err: Error) => onError(err));
    return () => {
      stopped = true;
      stream?.destroy();
    };
  }
}

function toState(s: string | undefined): ContainerRunState {
  const v = (s ?? '').toLowerCase();
  if (v === 'configured' || v === 'initialized') return 'created';
  if (v === 'stopped') return 'exited';
  return (STATES as string[]).includes(v) ? (v as ContainerRunState) : 'unknown';
}

function parseTime(t: string | undefined): number | undefined {
  if (!t || t.startsWith('0001-')) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}

/** Docker's log stream multiplexing: 8-byte headers (stream type, 3 zero bytes, big-endian length). */
export function demuxBuffer(buf: Buffer): string {
  const parts: string[] = [];
  let i = 0;
  while (i + 8 <= buf.length && buf[i + 1] === 0 && buf[i + 2] === 0 && buf[i + 3] === 0) {
    const len = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + len).toString('utf8'));
    i += 8 + len;
  }
  if (i === 0) return buf.toString('utf8'); // a TTY stream is not multiplexed
  return parts.join('');
}
