import { describe, it, expect } from 'vitest';
import { Autoscaler } from '../../src/fleet/autoscaler.ts';
import type { AutoscalerHost } from '../../src/fleet/autoscaler.ts';
import type { PoolInput, ProvisioningSpec } from '../../src/fleet/types.ts';
import type { Replica } from '../../src/engine/replica.ts';

interface FakeReplica { index: number; pool: number; state: string; waiting: { length: number }; outstanding: number; kvUtilization: number; busy: boolean }

/** A fleet of fake replicas; `add` makes a ready one at once, `drain`/`stop` take it out. */
function fleet(prov: ProvisioningSpec, initial: number, queuedPerReplica = 0) {
  const replicas: FakeReplica[] = [];
  let now = 0;
  const make = (): FakeReplica => {
    const r = { index: replicas.length, pool: 0, state: 'ready', waiting: { length: queuedPerReplica }, outstanding: queuedPerReplica, kvUtilization: 0, busy: false };
    replicas.push(r);
    return r;
  };
  for (let i = 0; i < initial; i++) make();
  const host: AutoscalerHost = {
    now: () => now,
    get ready() { return [replicas.filter((r) => r.state === 'ready') as unknown as Replica[]]; },
    replicas: replicas as unknown as Replica[],
    add: () => make() as unknown as Replica,
    drain: (r) => { (r as unknown as FakeReplica).state = 'draining'; },
    stop: (r) => { (r as unknown as FakeReplica).state = 'stopped'; },
    schedule: () => {},
    idleCheck: () => {},
    activeWork: () => true,
    arrivalsTo: () => 0,
  };
  const a = new Autoscaler([{ provisioning: prov } as PoolInput], host);
  return {
    a, replicas,
    setQueue: (n: number) => { for (const r of replicas) { r.waiting.length = n; r.outstanding = n; } },
    at: (t: number) => { now = t; return t; },
  };
}

const reactive = (o: Partial<Extract<ProvisioningSpec, { kind: 'reactive' }>> = {}): ProvisioningSpec => ({
  kind: 'reactive', minReplicas: 1, maxReplicas: 3, initialReplicas: 1, metric: 'queue-depth',
  scaleUpThreshold: 4, scaleDownThreshold: 1, windowSec: 15, evaluationIntervalSec: 15, cooldownSec: 60, stepSize: 1, ...o,
});

describe('Autoscaler', () => {
  it('starts with the configured replicas per provisioning kind', () => {
    expect(fleet({ kind: 'static', replicas: 3 }, 0).a.initialReplicas(0)).toBe(3);
    expect(fleet(reactive({ initialReplicas: 2 }), 0).a.initialReplicas(0)).toBe(2);
    expect(fleet({ kind: 'scheduled', schedule: [{ atSec: 0, replicas: 4 }, { atSec: 60, replicas: 1 }] }, 0).a.initialReplicas(0)).toBe(4);
    expect(fleet({ kind: 'serverless', maxReplicas: 4, idleTimeoutSec: 60, targetOutstandingPerReplica: 8 }, 0).a.initialReplicas(0)).toBe(0);
  });

  it('reactive: scales up above the threshold, respects the cooldown and the maximum, scales down below', () => {
    const f = fleet(reactive(), 1, 10);
    f.a.evaluate(0, f.at(15));
    expect(f.a.held(0)).toBe(2);
    f.a.evaluate(0, f.at(30)); // within the 60 s cooldown
    expect(f.a.held(0)).toBe(2);
    f.a.evaluate(0, f.at(90));
    expect(f.a.held(0)).toBe(3);
    f.a.evaluate(0, f.at(200)); // at the maximum
    expect(f.a.held(0)).toBe(3);
    f.setQueue(0);
    f.a.evaluate(0, f.at(300));
    expect(f.a.held(0)).toBe(2);
    f.a.evaluate(0, f.at(400));
    f.a.evaluate(0, f.at(500));
    expect(f.a.held(0)).toBe(1); // never below the minimum
  });

  it('scaleTo drains the least loaded ready replica', () => {
    const f = fleet({ kind: 'static', replicas: 3 }, 3);
    f.replicas[0].outstanding = 5;
    f.replicas[1].outstanding = 0;
    f.replicas[2].outstanding = 2;
    f.a.scaleTo(0, 2);
    expect(f.replicas.map((r) => r.state)).toEqual(['ready', 'draining', 'ready']);
  });

  it('a non-repeating schedule that ends at zero cannot serve requests arriving after its last replica is gone', () => {
    const f = fleet({ kind: 'scheduled', schedule: [{ atSec: 0, replicas: 0 }, { atSec: 100, replicas: 1 }, { atSec: 200, replicas: 0 }] }, 0);
    f.at(50);
    expect(f.a.canEverServe([0])).toBe(true); // an entry at 100 s brings a replica
    f.at(250);
    expect(f.a.canEverServe([0])).toBe(false);
    const repeating = fleet({ kind: 'scheduled', schedule: [{ atSec: 0, replicas: 0 }, { atSec: 100, replicas: 1 }], periodSec: 200 }, 0);
    repeating.at(250);
    expect(repeating.a.canEverServe([0])).toBe(true);
  });
});
