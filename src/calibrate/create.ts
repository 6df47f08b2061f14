/**
 * Node adapter of the step-time model factory for scenarios: `perfModel: roofline` (calibrated efficiencies when
 * profiles/calibration/<gpu>.yaml exists, transferred from the closest calibrated architecture otherwise) or
 * `perfModel: table` (measured per-op timings from profiles/tables/<gpu>/<model>.yaml).
 *
 * Node adapter: reads the files from the repository's profiles/ directory (or $SERVESIM_PROFILES), like
 * src/profiles/fs.ts. The pure builder is `buildStepTimeModel` (src/calibrate/model-factory.ts), which takes
 * any CalibrationDataSource.
 */
import { fsCalibrationSource, type CalibrationDataSource } from './fs.ts';
import {
  buildStepTimeModel, type StepTimeModelOptions, type StepTimeModelResult,
} from './model-factory.ts';

export type { PerfModelKind, StepTimeModelOptions, StepTimeModelResult } from './model-factory.ts';

/**
 * Creates the step-time model. Returns the model, whether this GPU's own measurements calibrate it, where the
 * numbers come from, and notes for the report (uncalibrated or transferred parts, table fallbacks — the table
 * model appends to `notes` while it runs).
 */
export function createStepTimeModel(opts: StepTimeModelOptions, source: CalibrationDataSource = fsCalibrationSource()): StepTimeModelResult {
  return buildStepTimeModel(opts, source);
}
