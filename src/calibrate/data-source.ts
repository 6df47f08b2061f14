/**
 * Where step-time model data (calibration and table files) comes from. Pure interface: `fs.ts` reads the
 * profiles directory from disk (Node), `src/api/memory-env.ts` serves files passed as data (browser, tests).
 */

/** A file found under the profiles directory. */
export interface ProfileFile {
  /** Name shown in reports, relative to the profiles directory's parent ("profiles/calibration/h100-sxm.yaml"). */
  file: string;
  text: string;
}

/** Where step-time model data is read from (injectable for tests and the browser). */
export interface CalibrationDataSource {
  /** profiles/calibration/<gpuId>.yaml, or undefined when absent. */
  calibration(gpuId: string): ProfileFile | undefined;
  /** Every table under profiles/tables/<gpuId>/. */
  tables(gpuId: string): ProfileFile[];
}
