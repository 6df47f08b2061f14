/**
 * Links shared by concurrent transfers share their bandwidth max-min fairly (progressive filling: the
 * most contended link fixes the rate of the flows through it, the rest is redistributed). As transfers
 * finish, the survivors speed up.
 */
import type { Topology } from './graph.ts';
import type { Path } from './path.ts';

export interface Transfer {
  readonly path: Path;
  readonly bytes: number;
}

/**
 * Max-min fair rates (bytes/s) of flows over directed channels. `active[i]` false leaves flow i out (rate 0).
 * Pure; allocates its scratch arrays.
 */
export function maxMinRates(
  capacity: Float64Array, flows: readonly Int32Array[], active?: readonly boolean[],
): Float64Array {
  const nF = flows.length;
  const rate = new Float64Array(nF);
  const frozen = new Uint8Array(nF);
  const remaining = new Map<number, number>();
  const users = new Map<number, number[]>();
  let unfrozen = 0;
  for (let f = 0; f < nF; f++) {
    if (active !== undefined && !active[f]) { frozen[f] = 1; continue; }
    if (flows[f]!.length === 0) { rate[f] = Infinity; frozen[f] = 1; continue; }
    unfrozen++;
    for (const c of flows[f]!) {
      if (!remaining.has(c)) { remaining.set(c, capacity[c]!); users.set(c, []); }
      users.get(c)!.push(f);
    }
  }
  while (unfrozen > 0) {
    let best = -1;
    let bestShare = Infinity;
    for (const [c, fs] of users) {
      let k = 0;
      for (const f of fs) if (!frozen[f]) k++;
      if (k === 0) continue;
      const share = remaining.get(c)! / k;
      if (share < bestShare) { bestShare = share; best = c; }
    }
    for (const f of users.get(best)!) {
      if (frozen[f]) continue;
      frozen[f] = 1;
      unfrozen--;
      rate[f] = bestShare;
      for (const c of flows[f]!) remaining.set(c, Math.max(0, remaining.get(c)! - bestShare));
    }
  }
  return rate;
}

/**
 * Completion time (s from a common start) of each of a set of transfers started together: each flow
 * moves at its max-min fair rate, recomputed whenever one finishes, and its path latency is added once.
 */
export function fairShareCompletionSec(topo: Topology, transfers: readonly Transfer[]): Float64Array {
  const n = transfers.length;
  const out = new Float64Array(n);
  const left = transfers.map((t) => t.bytes);
  const active = transfers.map((t) => t.bytes > 0);
  const flows = transfers.map((t) => t.path.channels);
  let now = 0;
  let running = active.filter(Boolean).length;
  for (let i = 0; i < n; i++) if (!active[i]) out[i] = 0;
  while (running > 0) {
    const rate = maxMinRates(topo.channelBytesPerSec, flows, active);
    let dt = Infinity;
    for (let i = 0; i < n; i++) if (active[i]) dt = Math.min(dt, left[i]! / rate[i]!);
    now += dt;
    for (let i = 0; i < n; i++) {
      if (!active[i]) continue;
      left[i] = left[i]! - rate[i]! * dt;
      if (left[i]! <= 1e-9 * transfers[i]!.bytes || rate[i] === Infinity) {
        active[i] = false;
        running--;
        out[i] = now + transfers[i]!.path.latencySec;
      }
    }
  }
  return out;
}
