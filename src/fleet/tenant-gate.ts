import type { Request } from '../workload/types.ts';
import type { RejectReason } from '../metrics/collector.ts';
import type { TenantSpec, TokenBucketSpec } from './types.ts';
import { Deque } from '../engine/deque.ts';

export interface GateHost {
  now(): number;
  /** Calls `release(tenant)` at `atSec`. */
  wakeAt(atSec: number, tenant: number): void;
  admit(req: Request): void;
  reject(req: Request, reason: RejectReason): void;
  deferred(req: Request): void;
  /** Predicted TTFT (ms) of `req` on the replica it would be routed to (admission control only). */
  predictTtftMs(req: Request): number;
}

/** A token bucket: `ratePerSec` refill, at most `burst` tokens; starts full. */
class Bucket {
  private tokens: number;
  private lastSec = 0;
  constructor(private readonly spec: TokenBucketSpec) {
    this.tokens = spec.burst;
  }
  private refill(now: number): void {
    this.tokens = Math.min(this.spec.burst, this.tokens + (now - this.lastSec) * this.spec.ratePerSec);
    this.lastSec = now;
  }
  /** Seconds until `cost` tokens are available (0 = now). A cost above the burst waits for a full bucket. */
  waitSec(now: number, cost: number): number {
    this.refill(now);
    const need = Math.min(cost, this.spec.burst);
    // A relative tolerance: refill arithmetic may leave a hair below `need` at the exact wake-up time.
    return this.tokens >= need * (1 - 1e-9) ? 0 : (need - this.tokens) / this.spec.ratePerSec;
  }
  take(cost: number): void {
    this.tokens = Math.max(0, this.tokens - Math.min(cost, this.spec.burst));
  }
}

/**
 * Per-tenant admission at the fleet's front door: max context, request and token rate limits (token
 * buckets), max concurrent requests, and admission control on the predicted TTFT. A quota hit either
 * rejects the request or defers it (FIFO per tenant, at most `maxQueued` held) until the quota allows it.
 * Token-rate limits charge input + output tokens (the simulator knows the output length; a real gateway
 * would charge the request's max_tokens).
 */
export class TenantGate {
  private readonly rate: (Bucket | null)[];
  private readonly tokenRate: (Bucket | null)[];
  private readonly inflight: number[];
  private readonly queues: Deque<Request>[];
  private readonly wakePending: boolean[];
  held = 0;

  constructor(private readonly tenants: readonly TenantSpec[], private readonly host: GateHost) {
    this.rate = tenants.map((t) => (t.requestsPerSec ? new Bucket(t.requestsPerSec) : null));
    this.tokenRate = tenants.map((t) => (t.tokensPerSec ? new Bucket(t.tokensPerSec) : null));
    this.inflight = tenants.map(() => 0);
    this.queues = tenants.map(() => new Deque<Request>());
    this.wakePending = tenants.map(() => false);
  }

  /** Takes a new request. */
  offer(req: Request): void {
    const t = req.tenant ?? 0;
    const spec = this.tenants[t];
    if (spec.maxContextTokens !== undefined && req.inputTokens + req.outputTokens > spec.maxContextTokens) {
      this.host.reject(req, 'max-context');
      return;
    }
    if (this.queues[t].length > 0) {
      // Keep FIFO order behind requests already deferred.
      this.deferOrReject(req, t, 'max-concurrency');
      return;
    }
    const limited = this.limit(req, t);
    if (limited === null) this.pass(req, t);
    else this.deferOrReject(req, t, limited.reason, limited.waitSec);
  }

  /** A request of this tenant left the system (completed, rejected after admission, or lost). */
  done(req: Request): void {
    const t = req.tenant ?? 0;
    this.inflight[t]--;
    if (this.queues[t].length > 0) this.release(t, this.host.now());
  }

  /** Admits deferred requests of `tenant` while its quotas allow. */
  release(tenant: number, now: number): void {
    this.wakePending[tenant] = false;
    const q = this.queues[tenant];
    while (q.length > 0) {
      const req = q.peekFront()!;
      const limited = this.limit(req, tenant);
      if (limited !== null) {
        if (limited.waitSec > 0) this.wake(tenant, now + limited.waitSec);
        return; // concurrency limits wake up through done()
      }
      q.popFront();
      this.held--;
      this.pass(req, tenant);
    }
  }

  private limit(req: Request, t: number): { reason: RejectReason; waitSec: number } | null {
    const spec = this.tenants[t];
    const now = this.host.now();
    if (spec.maxConcurrent !== undefined && this.inflight[t] >= spec.maxConcurrent) return { reason: 'max-concurrency', waitSec: 0 };
    const r = this.rate[t];
    if (r) {
      const w = r.waitSec(now, 1);
      if (w > 0) return { reason: 'rate-limit', waitSec: w };
    }
    const k = this.tokenRate[t];
    if (k) {
      const w = k.waitSec(now, req.inputTokens + req.outputTokens);
      if (w > 0) return { reason: 'token-rate-limit', waitSec: w };
    }
    return null;
  }

  private pass(req: Request, t: number): void {
    const spec = this.tenants[t];
    if (spec.maxPredictedTtftMs !== undefined && this.host.predictTtftMs(req) > spec.maxPredictedTtftMs) {
      this.host.reject(req, 'predicted-ttft');
      return;
    }
    this.rate[t]?.take(1);
    this.tokenRate[t]?.take(req.inputTokens + req.outputTokens);
    this.inflight[t]++;
    this.host.admit(req);
  }

  private deferOrReject(req: Request, t: number, reason: RejectReason, waitSec = 0): void {
    const spec = this.tenants[t];
    if (spec.onLimit === 'reject') {
      this.host.reject(req, reason);
      return;
    }
    if (this.queues[t].length >= spec.maxQueued) {
      this.host.reject(req, 'queue-full');
      return;
    }
    this.queues[t].pushBack(req);
    this.held++;
    this.host.deferred(req);
    if (waitSec > 0) this.wake(t, this.host.now() + waitSec);
  }

  private wake(t: number, atSec: number): void {
    if (this.wakePending[t]) return;
    this.wakePending[t] = true;
    this.host.wakeAt(atSec, t);
  }
}
