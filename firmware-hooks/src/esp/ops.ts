// Boot-partition changes as data: planners (pure) return a list of steps, the adapter applies them in order.
// The order is part of each plan's crash-safety argument (see docs/BOOT.md), so it is never re-sorted here.
import type { EspAccess } from './esp-access.js';

export type EspOp =
  | { kind: 'rename'; from: string; to: string }
  | { kind: 'write'; path: string; content: string }
  | { kind: 'remove'; path: string };

export async function applyOps(esp: EspAccess, ops: readonly EspOp[]): Promise<void> {
  for (const op of ops) {
    switch (op.kind) {
      case 'rename':
        if (op.from !== op.to) await esp.rename(op.from, op.to);
        break;
      case 'write':
        await esp.writeFile(op.path, op.content);
        break;
      case 'remove':
        await esp.remove(op.path);
        break;
    }
  }
}
