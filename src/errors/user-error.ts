/**
 * A mistake in the user's input (scenario, trace, profile, CLI flag). The CLI prints it as one paragraph
 * — what is wrong, where, how to fix it — and exits with code 2, without a stack trace.
 *
 * `where` is a file:line ("trace.csv:12"), a key path ("workload.arrivals.ratePerSec") or both.
 *
 * @example
 * throw new UserError('ratePerSec must be > 0, got -1', { where: 'workload.arrivals.ratePerSec',
 *   fix: 'give a positive arrival rate in requests per second' });
 */
export class UserError extends Error {
  readonly where: string | undefined;
  readonly fix: string | undefined;
  constructor(message: string, opts: { where?: string; fix?: string } = {}) {
    super(message);
    this.name = 'UserError';
    this.where = opts.where;
    this.fix = opts.fix;
  }

  /** One paragraph for the terminal. */
  format(): string {
    const where = this.where ? `${this.where}: ` : '';
    const fix = this.fix ? ` Fix: ${this.fix}` : '';
    return `error: ${where}${this.message}.${fix}`.replace(/\.\./g, '.');
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
