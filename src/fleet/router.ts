import type { Replica } from '../engine/replica.ts';
import type { Request } from '../workload/types.ts';
import type { Rng } from '../workload/rng.ts';
import { emptyBatch } from '../perf/types.ts';

export const ROUTERS = [
  'round-robin', 'random', 'least-outstanding', 'least-kv', 'least-work', 'power-of-two', 'prefix-affinity',
  'session-affinity', 'weighted',
] as const;
export type RouterKind = (typeof ROUTERS)[number];

/**
 * The load signal a router sees: what a real load balancer could observe — outstanding requests and KV
 * utilisation per replica — possibly `stalenessSec` old (refreshed periodically by the fleet).
 */
export interface LoadView {
  outstanding(r: Replica): number;
  kvUtilization(r: Replica): number;
  /** Prompt tokens still to prefill on the replica (queued prompts and unfinished chunks). */
  prefillTokens(r: Replica): number;
  /** Sequences in the replica's running set (decoding, or mid-prefill). */
  running(r: Replica): number;
  /** Mean output tokens of the requests completed so far across the fleet (0 before the first): what a gateway sees streamed. */
  meanOutputTokens(): number;
  /** Seconds of queued API-server work (intake + streaming lanes) on the replica; 0 without a frontend. */
  hostBacklogSec(r: Replica): number;
}

/** Picks one of `candidates` (ready replicas of the entry pools, never empty) for `req`. Returns an index. */
export interface Router {
  pick(candidates: readonly Replica[], req: Request, load: LoadView): number;
}

/** Cycles through the candidates. */
export class RoundRobinRouter implements Router {
  private next = 0;
  pick(candidates: readonly Replica[]): number {
    const i = this.next % candidates.length;
    this.next = i + 1;
    return i;
  }
}

/** Uniformly random (seeded stream `routing`). */
export class RandomRouter implements Router {
  constructor(private readonly rng: Rng) {}
  pick(candidates: readonly Replica[]): number {
    return Math.floor(this.rng.next() * candidates.length);
  }
}

/**
 * The candidate with the smallest `score`; ties go to the first such candidate after the previously chosen
 * position, so equal load spreads evenly.
 */
class LeastScoreRouter implements Router {
  private last = -1;
  constructor(private readonly score: (r: Replica, load: LoadView) => number) {}
  pick(candidates: readonly Replica[], _req: Request, load: LoadView): number {
    const n = candidates.length;
    let best = 0;
    let bestScore = Infinity;
    for (let k = 1; k <= n; k++) {
      const i = (this.last + k) % n;
      const sc = this.score(candidates[i], load);
      if (sc < bestScore) {
        bestScore = sc;
        best = i;
      }
    }
    this.last = best;
    return best;
  }
}

/** Fewest outstanding (waiting + running) requests. */
export class LeastOutstandingRouter extends LeastScoreRouter {
  constructor() { super((r, l) => l.outstanding(r)); }
}

/** Lowest KV-cache utilisation (ties: fewest outstanding). */
export class LeastKvRouter extends LeastScoreRouter {
  constructor() { super((r, l) => l.kvUtilization(r) * 1e6 + l.outstanding(r)); }
}

/** Power of two choices: two random candidates, the less loaded wins (Mitzenmacher 2001). */
export class PowerOfTwoRouter implements Router {
  constructor(private readonly rng: Rng) {}
  pick(candidates: readonly Replica[], _req: Request, load: LoadView): number {
    const n = candidates.length;
    const a = Math.floor(this.rng.next() * n);
    if (n === 1) return a;
    let b = Math.floor(this.rng.next() * (n - 1));
    if (b >= a) b++;
    return load.outstanding(candidates[b]) < load.outstanding(candidates[a]) ? b : a;
  }
}

/**
 * Session affinity: requests with the same session id go to the same replica while it is available
 * (rendezvous hashing: adding or removing a replica moves only its own keys). Requests without a session id,
 * or whose replica is overloaded (more than `overload` × the mean outstanding + 1), fall back to
 * least-outstanding.
 */
export class AffinityRouter implements Router {
  private readonly fallback = new LeastOutstandingRouter();
  constructor(private readonly keyOf: (req: Request) => number | undefined, private readonly overload = 2) {}
  pick(candidates: readonly Replica[], req: Request, load: LoadView): number {
    const key = this.keyOf(req);
    if (key === undefined) return this.fallback.pick(candidates, req, load);
    let best = 0;
    let bestHash = -1;
    let total = 0;
    for (let i = 0; i < candidates.length; i++) {
      const h = mix(key, candidates[i].index);
      if (h > bestHash) {
        bestHash = h;
        best = i;
      }
      total += load.outstanding(candidates[i]);
    }
    const mean = total / candidates.length;
    if (load.outstanding(candidates[best]) > this.overload * mean + 1) return this.fallback.pick(candidates, req, load);
    return best;
  }
}

/**
 * Prefix-aware (cache-aware) routing, as in SGLang's router or llm-d: the router remembers which replica it
 * last sent each prefix block (hash id) to — what a real router can know, not the replicas' actual caches —
 * and sends a request to the replica that got the deepest of its prefix blocks, unless that replica is
 * overloaded (more than `overload` × the mean outstanding + 1); otherwise, least-outstanding.
 */
export class PrefixAwareRouter implements Router {
  private readonly lastReplica = new Map<number, number>();
  private readonly fallback = new LeastOutstandingRouter();
  constructor(private readonly overload = 2) {}
  pick(candidates: readonly Replica[], req: Request, load: LoadView): number {
    const ids = req.hashIds;
    let chosen = -1;
    if (ids && ids.length > 0) {
      let total = 0;
      for (const c of candidates) total += load.outstanding(c);
      const limit = this.overload * (total / candidates.length) + 1;
      for (let i = ids.length - 1; i >= 0 && chosen < 0; i--) {
        const rep = this.lastReplica.get(ids[i]);
        if (rep === undefined) continue;
        for (let k = 0; k < candidates.length; k++) {
          if (candidates[k].index === rep) {
            if (load.outstanding(candidates[k]) <= limit) chosen = k;
            break;
          }
        }
      }
    }
    if (chosen < 0) chosen = this.fallback.pick(candidates, req, load);
    if (ids) for (let i = 0; i < ids.length; i++) this.lastReplica.set(ids[i], candidates[chosen].index);
    return chosen;
  }
}

/**
 * Weighted across pools: smooth weighted round-robin (nginx's algorithm) picks a pool in proportion to its
 * weight among the pools that have candidates, then least-outstanding inside the pool.
 */
export class WeightedPoolRouter implements Router {
  private current: number[] = [];
  private readonly inner = new LeastOutstandingRouter();
  constructor(private readonly poolWeights: readonly number[]) {
    this.current = poolWeights.map(() => 0);
  }
  pick(candidates: readonly Replica[], req: Request, load: LoadView): number {
    const present = new Set<number>();
    for (const c of candidates) present.add(c.pool);
    let total = 0;
    let best = -1;
    for (const p of present) {
      this.current[p] += this.poolWeights[p];
      total += this.poolWeights[p];
      if (best < 0 || this.current[p] > this.current[best]) best = p;
    }
    this.current[best] -= total;
    const inPool = candidates.filter((c) => c.pool === best);
    const i = this.inner.pick(inPool, req, load);
    return candidates.indexOf(inPool[i]);
  }
}

/**
 * Least estimated work (`router: least-work`): the replica where this request would be done soonest,
 * estimated from what a KV-aware gateway knows about each replica — prompt tokens it has sent there that
 * are not prefilled yet, and the running (decoding) batch. Production routers score replicas the same way:
 * NVIDIA Dynamo's KV router ranks workers by a cost of prefill blocks still to compute (queued prompt load +
 * the new prompt, less cache overlap) plus decode blocks (active KV) —
 * https://docs.nvidia.com/dynamo/latest/components/router/README.html, "Cost Function" — and llm-d's
 * inference scheduler by a weighted sum of queue-depth and KV-cache scorers. Here the terms are seconds of
 * the replica's own step-time model:
 *
 *   work = host + P / prefillRate + ⌈P / maxBatchedTokens⌉ × step(running, KV) + meanOutput × step(running + 1, KV + prompt)
 *
 * - host = seconds of queued work in the replica's API server (`engine.frontend: http`: the intake and the
 *   streaming lanes), which a gateway can estimate from the requests and tokens it has passed on;
 * - P = queued prompt tokens (in the API server, waiting, or partly prefilled) + this request's prompt;
 *   `prefillRate` = prompt tokens per second of a full-budget prefill step ({@link Replica.prefillTokensPerSec});
 * - `step(n, kv)` = the predicted time of a decode step of n sequences over kv cached tokens (KV utilisation ×
 *   capacity): every step that carries a chunk of P also decodes the running batch (chunked prefill
 *   schedules decodes first), and the request then decodes in a batch one larger;
 * - `meanOutput` = mean output tokens of the requests completed so far (0 before the first): the router
 *   cannot know this request's output length, but a gateway sees every completed stream.
 * Load numbers come from the fleet's load signal, so `stalenessSec` applies as for the other routers; ties
 * rotate (an idle fleet is served round-robin).
 */
export class LeastWorkRouter implements Router {
  private last = -1;
  private readonly batch = emptyBatch();
  pick(candidates: readonly Replica[], req: Request, load: LoadView): number {
    const n = candidates.length;
    let best = 0;
    let bestScore = Infinity;
    for (let k = 1; k <= n; k++) {
      const i = (this.last + k) % n;
      const sc = this.work(candidates[i], req, load);
      if (sc < bestScore) {
        bestScore = sc;
        best = i;
      }
    }
    this.last = best;
    return best;
  }

  /** Estimated seconds of work before `req` would be done on `r`: its prefill behind the queue, then its decode. */
  work(r: Replica, req: Request, load: LoadView): number {
    const prompt = load.prefillTokens(r) + req.inputTokens;
    let sec = prompt / r.prefillTokensPerSec();
    const running = load.running(r);
    const kvTokens = load.kvUtilization(r) * r.kv.numBlocks * r.cfg.blockSize;
    if (running > 0) {
      const b = this.batch;
      b.decodeSeqs = running;
      b.logitSeqs = running;
      b.decodeContextTokens = kvTokens;
      sec += Math.max(1, Math.ceil(prompt / r.cfg.maxBatchedTokens)) * r.perf.predict(b);
    }
    // The API server's queued work (intake, streaming) stands between the request and its first token.
    sec += load.hostBacklogSec(r);
    const out = load.meanOutputTokens();
    if (out > 0) {
      // Its own decode: the expected output (the fleet's mean so far) × a step of the batch it would join.
      const b = this.batch;
      b.decodeSeqs = running + 1;
      b.logitSeqs = running + 1;
      b.decodeContextTokens = kvTokens + req.inputTokens;
      sec += out * r.perf.predict(b);
    }
    return sec;
  }
}

/** 32-bit mix of (key, replica) for rendezvous hashing. */
function mix(key: number, replica: number): number {
  let h = Math.imul(key ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(replica + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

export function createRouter(kind: RouterKind, opts: { rng: Rng; poolWeights: readonly number[] }): Router {
  switch (kind) {
    case 'round-robin': return new RoundRobinRouter();
    case 'random': return new RandomRouter(opts.rng);
    case 'least-outstanding': return new LeastOutstandingRouter();
    case 'least-kv': return new LeastKvRouter();
    case 'power-of-two': return new PowerOfTwoRouter(opts.rng);
    case 'prefix-affinity': return new PrefixAwareRouter();
    case 'session-affinity': return new AffinityRouter((r) => (r.sessionId !== undefined && r.sessionId >= 0 ? r.sessionId : undefined));
    case 'weighted': return new WeightedPoolRouter(opts.poolWeights);
    case 'least-work': return new LeastWorkRouter();
  }
}
