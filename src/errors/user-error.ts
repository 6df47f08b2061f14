import type { Problem } from './problem.ts';
import { formatProblem, locationFromWhere } from './problem.ts';

/**
 * A mistake in the user's input (scenario, trace, profile, CLI flag): one or more {@link Problem}s. The CLI
 * prints each as one paragraph — where, what is wrong, how to fix it — (or, with `--json`, a JSON document on
 * stderr) and exits with code 2, without a stack trace.
 *
 * `where` is a file:line ("trace.csv:12"), a key path ("workload.arrivals.ratePerSec") or both; it is read
 * into the problem's `file`, `line` and `path`.
 *
 * @example
 * throw new UserError('ratePerSec must be > 0, got -1', { where: 'workload.arrivals.ratePerSec',
 *   fix: 'give a positive arrival rate in requests per second' });
 * throw UserError.of([messages.unknownKey(...), messages.unknownKey(...)]);
 */
export class UserError extends Error {
  readonly problems: Problem[];
  /** The free-form location given when raised (kept for callers that match on it). */
  readonly where: string | undefined;
  constructor(message: string, opts: { where?: string; fix?: string; code?: string } = {}) {
    super(message);
    this.name = 'UserError';
    this.where = opts.where;
    this.problems = [{ code: opts.code ?? 'invalid-input', ...locationFromWhere(opts.where), message, fix: opts.fix ?? '' }];
  }

  /** An error carrying several problems (all of them are reported). */
  static of(problems: readonly Problem[]): UserError {
    if (problems.length === 0) throw new Error('UserError.of needs at least one problem');
    const e = new UserError(problems.map((p) => p.message).join('; '));
    e.problems.splice(0, e.problems.length, ...problems);
    return e;
  }

  /** The first problem's fix. */
  get fix(): string | undefined {
    const f = this.problems[0]?.fix;
    return f === '' ? undefined : f;
  }

  /** One paragraph per problem, for the terminal. */
  format(): string {
    return this.problems.map(formatProblem).join('\n');
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/**
 * Runs `fn`; problems it raises with one of `codes` (or any, when `codes` is empty) and no key path yet are
 * re-addressed to `path` — e.g. an unknown GPU id raised by the profile loader belongs at `pools.1.gpu`.
 */
export function atPath<T>(path: string, fn: () => T, codes: readonly string[] = []): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UserError) {
      for (const p of e.problems) {
        if (codes.length === 0 ? p.path === '' : codes.includes(p.code)) p.path = path;
      }
    }
    throw e;
  }
}
