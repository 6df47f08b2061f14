/**
 * PCIe lane rates per direction after line encoding: 8/16/32/64 GT/s per lane for Gen 3/4/5/6, 128b/130b
 * encoding for Gen 3-5 (Gen 6 uses FLIT mode; 242/256 payload efficiency). PCI-SIG specification rates.
 */
const LANE_BYTES_PER_SEC: Record<number, number> = {
  3: (8e9 * 128) / 130 / 8,
  4: (16e9 * 128) / 130 / 8,
  5: (32e9 * 128) / 130 / 8,
  6: (64e9 * 242) / 256 / 8,
};

/** Raw bytes/s per direction of `lanes` PCIe lanes of generation `gen`. */
export function pcieBytesPerSec(gen: number, lanes: number): number {
  const perLane = LANE_BYTES_PER_SEC[gen];
  if (perLane === undefined) throw new Error(`unknown PCIe generation ${gen}`);
  return perLane * lanes;
}
