/**
 * API-server host costs per engine kind, fitted by `npm run fit:host` (scripts/fit-host-costs.ts) on 2026-12-08
 * to the measured server benchmarks of ../shared/data/validation. Generated — do not edit; see
 * docs/host-costs.md for the fit, its in-sample error and its leave-one-model-out error.
 */
export const FITTED_HOST_COSTS = {
  "vllm": {
    "frontendRequestSec": 0.015,
    "frontendOutputTokenSec": 0.0002,
    "cases": 92
  },
  "sglang": {
    "frontendRequestSec": 0.01,
    "frontendOutputTokenSec": 0.0002,
    "cases": 17
  },
  "trt-llm": {
    "frontendRequestSec": 0.005,
    "frontendOutputTokenSec": 0.0003,
    "cases": 24
  }
} as const;
