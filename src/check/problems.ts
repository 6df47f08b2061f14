/**
 * The user-facing problems of `servesim check` (baselines, checks files, tolerances, output files), built in
 * one place so their wording stays consistent. Each is reported with exit code 2 and never a stack trace.
 */
import type { Problem } from '../errors/problem.ts';
import { didYouMean } from '../errors/suggest.ts';

const UPDATE_FIX = 'if the change is intended, re-record it: servesim check … --baseline FILE --update-baseline';

export const checkProblems = {
  badTolerance(arg: string, text: string): Problem {
    return {
      code: 'bad-option', path: '', arg,
      message: `"${text}" is not a tolerance`,
      fix: 'write a percentage or a fraction, e.g. --tolerance 5% or --tolerance 0.05, per metric --tolerance latencyMs.ttft.p99=10%',
    };
  },
  badToleranceMetric(arg: string, name: string, known: readonly string[] = []): Problem {
    return {
      code: 'bad-option', path: '', arg,
      message: `"${name}" is not a metric that is compared with the baseline`,
      fix: `${didYouMean(name, known)}use one of: ${known.join(', ')} (SLO-style names such as ttftMs.p99 also work)`,
    };
  },
  baselineNotFound(file: string): Problem {
    return {
      code: 'file-not-found', path: '', arg: `--baseline ${file}`, message: `baseline file not found: ${file}`,
      fix: 'record one first: servesim check SCENARIO --write-baseline FILE (or save the output of servesim run SCENARIO --json)',
    };
  },
  baselineUnreadable(file: string, why: string): Problem {
    return { code: 'cannot-open', path: '', arg: `--baseline ${file}`, message: `cannot read the baseline file ${file} (${why})`, fix: 'check the path and its permissions' };
  },
  baselineCorrupt(file: string, why: string): Problem {
    return {
      code: 'bad-baseline', path: '', arg: `--baseline ${file}`, message: `${file} is not a servesim baseline: ${why}`,
      fix: 'give a file written by servesim check --write-baseline FILE, or the output of servesim run SCENARIO --json; re-record it if it was damaged',
    };
  },
  baselineMissingCheck(file: string, name: string, has: readonly string[]): Problem {
    return {
      code: 'baseline-mismatch', path: '', arg: `--baseline ${file}`,
      message: `the baseline has no entry for "${name}" (it has ${has.length === 0 ? 'none' : has.map((h) => `"${h}"`).join(', ')})`,
      fix: `${didYouMean(name, has)}check the scenario name, or add it to the baseline: servesim check … --baseline ${file} --update-baseline`,
    };
  },
  baselineMismatch(file: string, name: string, what: string, baseline: string, actual: string): Problem {
    return {
      code: 'baseline-mismatch', path: what, arg: `--baseline ${file}`,
      message: `the baseline for "${name}" was recorded with ${what} "${baseline}", this run uses "${actual}"`,
      fix: `compare like with like: pass the baseline of this ${what}, or ${UPDATE_FIX.replace('if the change is intended, ', 'if the change of ' + what + ' is intended, ')}`,
    };
  },
  updateWithoutBaseline(): Problem {
    return {
      code: 'missing-argument', path: '', arg: '--update-baseline', message: '--update-baseline needs --baseline FILE (the file to re-record)',
      fix: 'e.g. servesim check CHECKS.yaml --baseline capacity-baseline.json --update-baseline, or use --write-baseline FILE',
    };
  },
  noInputs(): Problem {
    return { code: 'missing-argument', path: '', message: 'no scenario or checks file given', fix: 'e.g. servesim check scenarios/prod.yaml, or servesim check checks.yaml' };
  },
  globMatchedNothing(pattern: string): Problem {
    return { code: 'file-not-found', path: '', arg: pattern, message: `no file matches ${pattern}`, fix: 'check the pattern; it is matched relative to the working directory' };
  },
  duplicateCheck(name: string, first: string, second: string): Problem {
    return {
      code: 'invalid-value', path: '', message: `two checks are named "${name}" (${first} and ${second}); results and baselines are kept by name`,
      fix: 'give each scenario its own name, or use a checks file with a distinct name per check',
    };
  },
  badOutputFile(flag: string, file: string, why: string): Problem {
    return { code: 'bad-out', path: '', arg: `${flag} ${file}`, message: `cannot write ${file}: ${why}`, fix: 'give a file in an existing folder you can write to' };
  },
  checksFile(file: string, path: string, message: string, fix: string, line?: number): Problem {
    return { code: 'invalid-value', path, file, ...(line !== undefined ? { line } : {}), message, fix };
  },
};
