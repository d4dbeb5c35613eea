// Typed progress events (step started/done/failed, pull progress, health changes). The API streams them to
// the CLI and the phone; nothing depends on them for correctness.
import { EventEmitter } from 'node:events';

export type AgentEvent =
  | { type: 'step'; app: string; step: string; phase: 'start' | 'done' | 'failed'; message?: string; at: number }
  | { type: 'pull'; app: string; image: string; status: string; layer?: string; current?: number; total?: number; at: number }
  | { type: 'health'; app: string; service: string; status: string; at: number }
  | { type: 'converged'; app: string; version: string; at: number }
  | { type: 'rolled-back'; app: string; version: string; reason: string; at: number };

export class AgentEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  emit(e: AgentEvent): void {
    this.emitter.emit('event', e);
  }

  subscribe(fn: (e: AgentEvent) => void): () => void {
    this.emitter.on('event', fn);
    return () => this.emitter.off('event', fn);
  }
}
