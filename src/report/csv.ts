import type { GrowableFloat64 } from '../metrics/growable.ts';

/**
 * Renders columns of equal length as CSV text, header first. Numbers print in full precision (they are
 * deterministic), so a CSV diff between runs is meaningful.
 *
 * @example
 * columnsToCsv({ a: g1, b: g2 }) // "a,b\n1,2\n…"
 */
export function columnsToCsv(columns: Record<string, GrowableFloat64>): string {
  const names = Object.keys(columns);
  const cols = names.map((n) => columns[n]);
  const rows = cols.length > 0 ? cols[0].length : 0;
  const out: string[] = [names.join(',')];
  for (let i = 0; i < rows; i++) {
    let line = '';
    for (let c = 0; c < cols.length; c++) {
      if (c > 0) line += ',';
      line += String(cols[c].get(i));
    }
    out.push(line);
  }
  return out.join('\n') + '\n';
}

/** The columns of `requests.csv`: one row per completed request, with its latencies in milliseconds. */
export interface RequestColumns {
  id: GrowableFloat64; replica: GrowableFloat64; arrivalSec: GrowableFloat64; firstScheduledSec: GrowableFloat64;
  firstTokenSec: GrowableFloat64; completionSec: GrowableFloat64; inputTokens: GrowableFloat64;
  outputTokens: GrowableFloat64; prefixHitTokens: GrowableFloat64; preemptions: GrowableFloat64;
}

/**
 * `requests.csv`: the recorded columns, then `ttftMs` (first token − arrival), `tpotMs` ((completion − first
 * token) / (output tokens − 1); empty for a one-token output, as in the report) and `e2eMs`.
 */
export function requestsCsv(d: RequestColumns): string {
  const base = columnsToCsv({
    id: d.id, replica: d.replica, arrivalSec: d.arrivalSec, firstScheduledSec: d.firstScheduledSec,
    firstTokenSec: d.firstTokenSec, completionSec: d.completionSec, inputTokens: d.inputTokens,
    outputTokens: d.outputTokens, prefixHitTokens: d.prefixHitTokens, preemptions: d.preemptions,
  }).split('\n');
  const out: string[] = [`${base[0]},ttftMs,tpotMs,e2eMs`];
  for (let i = 0; i < d.id.length; i++) {
    const arr = d.arrivalSec.get(i);
    const first = d.firstTokenSec.get(i);
    const done = d.completionSec.get(i);
    const n = d.outputTokens.get(i);
    const tpot = n > 1 ? String(((done - first) / (n - 1)) * 1e3) : '';
    out.push(`${base[i + 1]},${(first - arr) * 1e3},${tpot},${(done - arr) * 1e3}`);
  }
  return out.join('\n') + '\n';
}

/** The columns of `fleet.csv`, one row per replica state change. */
export interface FleetColumns {
  tSec: GrowableFloat64; pool: GrowableFloat64; starting: GrowableFloat64; readyCount: GrowableFloat64;
  draining: GrowableFloat64; failed: GrowableFloat64;
}

/**
 * `fleet.csv`: replicas per state over time, the pool by name. Changes at the same instant in the same pool
 * are one row (the state after them), so a static fleet is one row per pool at t = 0, not a `starting` row
 * followed by a `ready` row for every replica.
 */
export function fleetCsv(t: FleetColumns, poolNames: readonly string[]): string {
  const out: string[] = ['tSec,pool,starting,ready,draining,failed'];
  const row = (i: number): string => {
    const p = t.pool.get(i);
    return `${t.tSec.get(i)},${poolNames[p] ?? String(p)},${t.starting.get(i)},${t.readyCount.get(i)},${t.draining.get(i)},${t.failed.get(i)}`;
  };
  let i = 0;
  const n = t.tSec.length;
  while (i < n) {
    const now = t.tSec.get(i);
    // The last row of each pool among the rows of this instant, in the order the pools first changed.
    const last = new Map<number, number>();
    for (; i < n && t.tSec.get(i) === now; i++) last.set(t.pool.get(i), i);
    for (const k of last.values()) out.push(row(k));
  }
  return out.join('\n') + '\n';
}
