// What the agent needs from a container engine. One implementation talks the Docker Engine API through
// dockerode (podman's compatible socket by default, dockerd when configured); tests of pure parts need none.
import type { Readable } from 'node:stream';

export type ContainerRunState = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing' | 'unknown';

export interface EngineContainer {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: ContainerRunState;
  exitCode?: number;
  /** Milliseconds since the epoch, when known. */
  startedAt?: number;
  finishedAt?: number;
  /** IPv4 address per network name. */
  ips: Record<string, string>;
}

export interface EngineNetwork {
  name: string;
  labels: Record<string, string>;
  /** IPv4/IPv6 subnets (CIDR) of the network. */
  subnets: string[];
}

/** The Docker API create body (dockerode's ContainerCreateOptions) as built by container-spec.ts. */
export interface ContainerCreateBody {
  name: string;
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env: string[];
  User?: string;
  Labels: Record<string, string>;
  ExposedPorts?: Record<string, Record<string, never>>;
  HostConfig: Record<string, unknown>;
  NetworkingConfig: { EndpointsConfig: Record<string, { Aliases: string[] }> };
}

export interface PullProgress {
  status: string;
  id?: string;
  current?: number;
  total?: number;
}

export interface ExecResult {
  exitCode: number;
  output: string;
}

export interface EngineEvent {
  type: string;
  action: string;
  id: string;
  labels: Record<string, string>;
}

export interface Engine {
  ping(): Promise<void>;
  /** Every container the agent manages, in any state. */
  listContainers(): Promise<EngineContainer[]>;
  listNetworks(): Promise<EngineNetwork[]>;
  createNetwork(name: string, labels: Record<string, string>): Promise<void>;
  removeNetwork(name: string): Promise<void>;
  hasImage(ref: string): Promise<boolean>;
  pullImage(ref: string, onProgress?: (p: PullProgress) => void): Promise<void>;
  /** Loads a docker-archive / OCI tar; returns the image references it contained. */
  loadImage(archive: Readable): Promise<string[]>;
  createContainer(body: ContainerCreateBody): Promise<string>;
  startContainer(id: string): Promise<void>;
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  exec(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult>;
  logs(id: string, opts: { tail: number }): Promise<string>;
  /** Subscribes to container events; returns an unsubscribe function. */
  watchEvents(onEvent: (e: EngineEvent) => void, onError: (err: Error) => void): () => void;
}
