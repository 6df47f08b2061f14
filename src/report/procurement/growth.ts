/**
 * Growth and lead time: traffic growing `growthPctPerMonth` % a month for `months` months, a procurement lead
 * time per option → when each option's fleet (sized by `servesim plan`) runs out of headroom, the month by
 * which to order more GPUs, the GPUs needed month by month, and the cost of over- and under-provisioning.
 * Pure and browser-safe (the report page re-runs it when a reader changes the growth or the prices).
 *
 * Model (stated in docs/planning.md):
 * - the fleet of R replicas sustains `maxRateFactor` × today's rate (bisection by `plan --max-rate`), so one
 *   replica sustains `maxRateFactor / R` — assumed constant as the fleet grows (larger fleets pool load
 *   better, so this errs on the side of more GPUs);
 * - load at month m is (1 + g)^m; GPUs needed(m) = max(R, ⌈(1 + g)^m / (maxRateFactor / R)⌉) × GPUs per replica;
 * - headroom runs out at m* = ln(maxRateFactor) / ln(1 + g); order by m* − lead time;
 * - over-provisioning: buying month N's fleet now, the idle GPU-months Σ_m (need(N) − need(m)) × 730 h × $/GPU-h;
 * - under-provisioning: keeping today's fleet and ordering only when headroom runs out, the missing GPU-months
 *   during the lead time, Σ (need(m) − need(0))⁺ × 730 h × the on-demand $/GPU-h (renting the shortfall).
 */

export const HOURS_PER_MONTH = 730;

export interface GrowthInput {
  id: string;
  gpu: string;
  replicas: number;
  gpusPerReplica: number;
  /** × today's rate the fleet sustains; null: more than the search bound (no limit found). */
  maxRateFactor: number | null;
  /** Price of a GPU-hour of the fleet (owned or reserved). */
  gpuHourUsd: number;
  /** Price of renting a GPU-hour on demand to cover a shortfall. */
  onDemandGpuHourUsd: number;
  leadTimeMonths: number;
}

export interface GrowthParams {
  growthPctPerMonth: number;
  months: number;
}

export interface GrowthResult {
  id: string;
  gpu: string;
  gpusNow: number;
  /** GPUs needed at month 0 … months. */
  gpusByMonth: number[];
  /** Month (fractional) at which today's fleet runs out of headroom; null: not within the horizon. */
  headroomMonths: number | null;
  /** Month by which to order (headroomMonths − lead time); negative: already late. Null when no order is needed. */
  orderByMonth: number | null;
  leadTimeMonths: number;
  overProvisionUsd: number;
  underProvisionUsd: number;
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

export function growthPlan(o: GrowthInput, p: GrowthParams): GrowthResult {
  const g = p.growthPctPerMonth / 100;
  const gpusNow = o.replicas * o.gpusPerReplica;
  const perReplica = o.maxRateFactor === null ? Infinity : o.maxRateFactor / o.replicas;
  const need = (m: number): number => {
    if (!Number.isFinite(perReplica)) return gpusNow;
    const replicas = Math.max(o.replicas, Math.ceil((1 + g) ** m / perReplica - 1e-9));
    return replicas * o.gpusPerReplica;
  };
  const gpusByMonth = Array.from({ length: p.months + 1 }, (_, m) => need(m));
  let headroomMonths: number | null = null;
  if (o.maxRateFactor !== null && g > 0) {
    const m = Math.log(Math.max(o.maxRateFactor, 1e-9)) / Math.log(1 + g);
    headroomMonths = m <= p.months ? round(Math.max(0, m)) : null;
  } else if (o.maxRateFactor !== null && o.maxRateFactor < 1) {
    headroomMonths = 0;
  }
  const orderByMonth = headroomMonths === null ? null : round(headroomMonths - o.leadTimeMonths);
  const peak = gpusByMonth[gpusByMonth.length - 1];
  let over = 0;
  for (const n of gpusByMonth) over += (peak - n) * HOURS_PER_MONTH * o.gpuHourUsd;
  let under = 0;
  if (headroomMonths !== null) {
    const start = Math.floor(headroomMonths);
    for (let m = start; m <= Math.min(p.months, Math.ceil(headroomMonths + o.leadTimeMonths)); m++) {
      under += Math.max(0, gpusByMonth[m] - gpusNow) * HOURS_PER_MONTH * o.onDemandGpuHourUsd;
    }
  }
  return {
    id: o.id, gpu: o.gpu, gpusNow, gpusByMonth, headroomMonths, orderByMonth, leadTimeMonths: o.leadTimeMonths,
    overProvisionUsd: round(over), underProvisionUsd: round(under),
  };
}
