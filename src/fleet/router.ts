import type { Replica } from '../engine/replica.ts';

export const ROUTERS = ['round-robin', 'least-outstanding'] as const;
export type RouterKind = (typeof ROUTERS)[number];

/** Picks the replica for a new request, seeing only what a real load balancer could see. */
export interface Router {
  pick(replicas: readonly Replica[]): number;
}

/** Cycles through replicas in order. */
export class RoundRobinRouter implements Router {
  private nextIndex = 0;
  pick(replicas: readonly Replica[]): number {
    const i = this.nextIndex;
    this.nextIndex = (i + 1) % replicas.length;
    return i;
  }
}

/**
 * Sends to the replica with the fewest outstanding (waiting + running) requests; ties go to the first
 * such replica after the previously chosen one, so equal load spreads evenly.
 */
export class LeastOutstandingRouter implements Router {
  private last = -1;
  pick(replicas: readonly Replica[]): number {
    const n = replicas.length;
    let best = -1;
    let bestLoad = Infinity;
    for (let k = 1; k <= n; k++) {
      const i = (this.last + k) % n;
      const load = replicas[i].outstanding;
      if (load < bestLoad) {
        bestLoad = load;
        best = i;
      }
    }
    this.last = best;
    return best;
  }
}

export function createRouter(kind: RouterKind): Router {
  switch (kind) {
    case 'round-robin': return new RoundRobinRouter();
    case 'least-outstanding': return new LeastOutstandingRouter();
  }
}
