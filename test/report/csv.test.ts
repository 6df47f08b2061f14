import { describe, it, expect } from 'vitest';
import { GrowableFloat64 } from '../../src/metrics/growable.ts';
import { fleetCsv, requestsCsv } from '../../src/report/csv.ts';

const col = (...xs: number[]) => {
  const g = new GrowableFloat64();
  for (const x of xs) g.push(x);
  return g;
};

describe('fleet.csv', () => {
  it('names pools and keeps one row per pool and instant: the state after that instant', () => {
    const csv = fleetCsv({
      tSec: col(0, 0, 0, 0, 10, 10, 20),
      pool: col(0, 1, 0, 1, 0, 0, 1),
      starting: col(1, 1, 0, 0, 1, 0, 0),
      readyCount: col(0, 0, 1, 1, 1, 2, 0),
      draining: col(0, 0, 0, 0, 0, 0, 1),
      failed: col(0, 0, 0, 0, 0, 0, 0),
    }, ['prefill', 'decode']);
    expect(csv).toBe([
      'tSec,pool,starting,ready,draining,failed',
      '0,prefill,0,1,0,0',
      '0,decode,0,1,0,0',
      '10,prefill,0,2,0,0',
      '20,decode,0,0,1,0',
      '',
    ].join('\n'));
  });
});

describe('requests.csv', () => {
  it('adds TTFT, TPOT and E2E in ms, TPOT empty for a one-token output', () => {
    const csv = requestsCsv({
      id: col(0, 1), replica: col(0, 0), arrivalSec: col(1, 2), firstScheduledSec: col(1, 2), firstTokenSec: col(1.5, 2.25),
      completionSec: col(2.5, 2.25), inputTokens: col(10, 10), outputTokens: col(11, 1), prefixHitTokens: col(0, 0), preemptions: col(0, 0),
    }).split('\n');
    expect(csv[0].endsWith(',ttftMs,tpotMs,e2eMs')).toBe(true);
    expect(csv[1].split(',').slice(-3)).toEqual(['500', '100', '1500']);
    expect(csv[2].split(',').slice(-3)).toEqual(['250', '', '250']);
  });
});
