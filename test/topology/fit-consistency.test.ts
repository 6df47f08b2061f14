import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listPowerProfileIds, loadPowerProfile } from '../../src/power/load.ts';
import { loadNodeProfile } from '../../src/topology/load.ts';
import { nodeTextReader } from '../../src/cli/node-text-reader.ts';

/** The profiles quote `npm run physics:fit` (docs/physics-fit.json); they must agree with it. */
const fit = JSON.parse(readFileSync(new URL('../../docs/physics-fit.json', import.meta.url), 'utf8'));
const NODES = new URL('../../profiles/nodes', import.meta.url).pathname;
const POWER = new URL('../../profiles/power', import.meta.url).pathname;
const close = (a: number, b: number, rel = 0.01) => expect(Math.abs(a / b - 1)).toBeLessThan(rel);

describe('profiles agree with npm run physics:fit', () => {
  it('NVSwitch nodes', () => {
    const nv = fit.topology.nvswitchH100;
    for (const id of ['dgx-h100', 'hgx-h200']) {
      const p = loadNodeProfile(nodeTextReader, NODES, id);
      close(p.scaleUp.efficiency, nv.efficiencyOf450GBps);
      close(p.scaleUp.latencySec, nv.stepLatencySec);
      close(p.collectives.baseLatencySec, nv.baseLatencySec);
      close(p.network.efficiency, fit.topology.network.efficiencyOf400Gbps);
      close(p.network.latencySec, fit.topology.network.latencySec);
    }
  });

  it('PCIe H100 node', () => {
    const pc = fit.topology.pcieH100;
    const p = loadNodeProfile(nodeTextReader, NODES, 'pcie-2socket-h100');
    close(p.pcie.efficiency, pc.pcieEfficiencyOfGen5x16);
    close(p.pcie.hopLatencySec, pc.hopLatencySec);
    close(p.collectives.baseLatencySec, pc.baseLatencySec);
  });

  it('power coefficients', () => {
    for (const id of listPowerProfileIds(nodeTextReader, POWER)) {
      const k = loadPowerProfile(nodeTextReader, POWER, id).coefficients;
      close(k.activeFloor, fit.power.coefficients.activeFloor);
      close(k.compute, fit.power.coefficients.compute);
      close(k.memory, fit.power.coefficients.memory);
    }
  });
});
