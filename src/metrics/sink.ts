import { MetricsCollector } from './collector.ts';
import type { RejectReason } from './collector.ts';
import type { Seq } from '../engine/seq.ts';
import type { Request } from '../workload/types.ts';

/**
 * Where engines and the fleet report events: the fleet-wide collector plus, when the scenario has
 * several tenants, one collector per tenant (the same shapes, so per-tenant reports reuse the code).
 */
export class MetricsSink {
  readonly all: MetricsCollector;
  /** Per-tenant collectors; empty with a single tenant. */
  readonly tenants: MetricsCollector[];

  constructor(tenantCount: number, perRequestDetail: boolean) {
    this.all = new MetricsCollector({ perRequestDetail });
    this.tenants = [];
    if (tenantCount > 1) for (let t = 0; t < tenantCount; t++) this.tenants.push(new MetricsCollector());
  }

  get multiTenant(): boolean {
    return this.tenants.length > 0;
  }

  onArrival(nowSec: number, tenant: number, tokens: number, warmup = false): void {
    this.all.onArrival(nowSec, tokens, warmup);
    if (this.tenants.length > 0) this.tenants[tenant].onArrival(nowSec, tokens, warmup);
  }

  onReject(nowSec: number, reason: RejectReason, tenant: number): void {
    this.all.onReject(nowSec, reason);
    if (this.tenants.length > 0) this.tenants[tenant].onReject(nowSec, reason);
  }

  onLost(nowSec: number, tenant: number): void {
    this.all.onLost(nowSec);
    if (this.tenants.length > 0) this.tenants[tenant].onLost(nowSec);
  }

  onPreempt(tenant: number): void {
    this.all.onPreempt();
    if (this.tenants.length > 0) this.tenants[tenant].onPreempt();
  }

  /** Called when a request completes (the fleet frees its closed-loop user). */
  onDone: ((req: Request) => void) | null = null;

  onComplete(s: Seq, nowSec: number): void {
    this.all.onComplete(s, nowSec);
    if (this.tenants.length > 0) this.tenants[s.tenant].onComplete(s, nowSec);
    if (this.onDone) this.onDone(s.req);
  }

  onPrefixHit(tokens: number, tenant: number): void {
    this.all.prefixHitTokens += tokens;
    if (this.tenants.length > 0) this.tenants[tenant].prefixHitTokens += tokens;
  }

  /** Counter bumps that are per request (retried, waitedOnColdStart, deferred). */
  count(key: 'retried' | 'waitedOnColdStart' | 'deferred', tenant: number): void {
    this.all[key]++;
    if (this.tenants.length > 0) this.tenants[tenant][key]++;
  }
}
