/**
 * Cost of ownership of a simulated run.
 *
 *   cloud   cloudUsd    = cloud GPU-hours × $/GPU-hour (on-demand | reserved | spot)
 *   onprem  capexUsd    = on-prem GPU-hours × purchaseUsd / (years × 8760 h)
 *           energyUsd   = on-prem IT kWh × PUE × kwhUsd
 *           overheadUsd = on-prem GPU-hours / gpusPerRack / 730 h × overheadUsdPerRackMonth
 *   hybrid  both: an on-prem baseline pool plus cloud burst GPU-hours
 * Cloud prices include energy and overhead. The total is split between input and output tokens by the
 * share of busy GPU time spent in prefill (else by token counts).
 */
import type { CostBlock } from './schema.ts';

export const HOURS_PER_YEAR = 8760;
export const HOURS_PER_MONTH = 730;
export const DEFAULT_YEARS = 4;
export const DEFAULT_KWH_USD = 0.1;
export const DEFAULT_GPUS_PER_RACK = 32;

/** Dated per-GPU price defaults (profiles/power/<gpu>.yaml `price`). */
export interface GpuPriceDefaults {
  readonly onDemandUsdPerGpuHour: number;
  readonly reservedUsdPerGpuHour: number;
  readonly spotUsdPerGpuHour: number;
  readonly spotInterruptionsPerHour: number;
  readonly purchaseUsd: number;
}

/** What a run used. GPU-seconds are provisioned time (a replica costs while it exists, busy or not). */
export interface CostUsage {
  readonly durationSec: number;
  readonly onpremGpuSec: number;
  readonly cloudGpuSec: number;
  /** IT energy (GPU boards, plus host if modelled) of the on-prem pool, kWh. */
  readonly onpremItKwh: number;
  /** IT energy of the cloud pool, kWh (for carbon only). */
  readonly cloudItKwh: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Busy GPU-seconds in prefill and decode, to split cost between input and output tokens. */
  readonly prefillBusySec?: number;
  readonly decodeBusySec?: number;
  readonly pue: number;
}

export interface CostReport {
  readonly usdPerMillionInputTokens: number;
  readonly usdPerMillionOutputTokens: number;
  readonly usdPerHour: number;
  readonly totalUsd: number;
  readonly breakdown: { readonly capexUsd: number; readonly energyUsd: number; readonly cloudUsd: number; readonly overheadUsd: number };
  /** Expected spot preemptions over the run (0 unless spot). */
  readonly expectedSpotInterruptions: number;
  /** Grams of CO2 per output token (only with cost.gridGCo2PerKwh). */
  readonly gCo2PerToken?: number;
}

/** $/GPU-hour of the block's cloud price class. */
export function cloudRateUsd(block: CostBlock, d: GpuPriceDefaults): number {
  if (block.gpuHourUsd !== undefined) return block.gpuHourUsd;
  switch (block.cloudPricing ?? 'on-demand') {
    case 'reserved': return d.reservedUsdPerGpuHour;
    case 'spot': return d.spotUsdPerGpuHour;
    default: return d.onDemandUsdPerGpuHour;
  }
}

/** Cost of a run under a `cost` block. Usage of a pool the mode does not have must be 0. */
export function costOfRun(block: CostBlock, d: GpuPriceDefaults, u: CostUsage): CostReport {
  if (block.mode === 'cloud' && u.onpremGpuSec > 0) throw new Error('cloud mode has no on-prem GPUs');
  if (block.mode === 'onprem' && u.cloudGpuSec > 0) throw new Error('on-prem mode has no cloud GPUs');
  const onpremHours = u.onpremGpuSec / 3600;
  const cloudHours = u.cloudGpuSec / 3600;
  const capexUsd = (onpremHours * (block.purchaseUsd ?? d.purchaseUsd)) / ((block.years ?? DEFAULT_YEARS) * HOURS_PER_YEAR);
  const energyUsd = u.onpremItKwh * u.pue * (block.kwhUsd ?? DEFAULT_KWH_USD);
  const overheadUsd = (onpremHours / (block.gpusPerRack ?? DEFAULT_GPUS_PER_RACK) / HOURS_PER_MONTH) * (block.overheadUsdPerRackMonth ?? 0);
  const cloudUsd = cloudHours * cloudRateUsd(block, d);
  const totalUsd = capexUsd + energyUsd + overheadUsd + cloudUsd;
  const busy = (u.prefillBusySec ?? 0) + (u.decodeBusySec ?? 0);
  const tokens = u.inputTokens + u.outputTokens;
  const prefillShare = busy > 0 ? (u.prefillBusySec ?? 0) / busy : tokens > 0 ? u.inputTokens / tokens : 0;
  const spot = (block.cloudPricing ?? 'on-demand') === 'spot';
  const report: CostReport = {
    usdPerMillionInputTokens: u.inputTokens > 0 ? (totalUsd * prefillShare * 1e6) / u.inputTokens : 0,
    usdPerMillionOutputTokens: u.outputTokens > 0 ? (totalUsd * (1 - prefillShare) * 1e6) / u.outputTokens : 0,
    usdPerHour: u.durationSec > 0 ? totalUsd / (u.durationSec / 3600) : 0,
    totalUsd,
    breakdown: { capexUsd, energyUsd, cloudUsd, overheadUsd },
    expectedSpotInterruptions: spot ? cloudHours * (block.spotInterruptionsPerHour ?? d.spotInterruptionsPerHour) : 0,
  };
  if (block.gridGCo2PerKwh === undefined || u.outputTokens <= 0) return report;
  return { ...report, gCo2PerToken: ((u.onpremItKwh + u.cloudItKwh) * u.pue * block.gridGCo2PerKwh) / u.outputTokens };
}
