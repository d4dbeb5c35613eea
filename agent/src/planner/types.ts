// Inputs and outputs of the planner. The planner is a pure function of these; the reconciler gathers the
// inputs from the engine, the health monitor and the store, and the executor carries out the steps.
import type { ContainerCreateBody, ContainerRunState } from '../engine/engine.js';
import type { TargetState } from '../state/app-records.js';

export type HealthStatus = 'none' | 'starting' | 'healthy' | 'unhealthy';

export interface ObservedContainer {
  id: string;
  name: string;
  app: string;
  service: string;
  hash: string;
  version: string;
  state: ContainerRunState;
  exitCode?: number;
  finishedAt?: number;
  /** Address on the app's own network, when running. */
  ip?: string;
  health: HealthStatus;
  /** Why the last probe failed, for status and rollback reasons. */
  healthDetail?: string;
}

export interface CurrentState {
  containers: ObservedContainer[];
  /** App ids whose network exists. */
  networks: string[];
  /** Image references present in the engine (only those the target names are looked up). */
  images: string[];
  /** Subnets of each app's network (for the isolation firewall; the planner does not use them). */
  networkSubnets?: Record<string, string[]>;
}

export interface PlanContext {
  now: number;
  /** `app/service` → time before which the agent must not restart it (crash-loop back-off). */
  backoffUntil: Record<string, number>;
  /** Consecutive failed steps per app in this agent run (e.g. a pull that keeps failing). */
  failures: Record<string, { count: number; message: string }>;
  /** Containers the agent stopped on purpose: their exit is not a crash. */
  stoppedByAgent: ReadonlySet<string>;
  /** After this many consecutive failed steps during an update, roll back. */
  maxUpdateFailures: number;
}

export type Step =
  | { kind: 'createNetwork'; app: string }
  | { kind: 'removeNetwork'; app: string }
  | { kind: 'fetchImage'; app: string; image: string }
  | { kind: 'beginUpdate'; app: string; from: string; to: string }
  | { kind: 'createContainer'; app: string; service: string; hash: string; body: ContainerCreateBody }
  /** `restartAfter`: why the container stopped, when this start is a restart that counts towards the back-off. */
  | { kind: 'startContainer'; app: string; service: string; containerId: string; restartAfter?: string }
  | { kind: 'restartContainer'; app: string; service: string; containerId: string; reason: string }
  | { kind: 'stopContainer'; app: string; service: string; containerId: string }
  | { kind: 'removeContainer'; app: string; service: string; containerId: string; drain: boolean }
  | { kind: 'rollback'; app: string; reason: string }
  | { kind: 'completeUpdate'; app: string };

export type StepKind = Step['kind'];

/** Why an app is not converged yet; reported in status, never executed. */
export interface Wait {
  app: string;
  service?: string;
  reason: string;
}

export interface Plan {
  steps: Step[];
  waits: Wait[];
}

export type { TargetState };
