/**
 * User-facing messages that more than one module can raise live here, so their wording stays consistent
 * and reviewable in one place. Each returns the pieces of a `UserError`: message, where, fix.
 */
import { UserError } from './user-error.ts';

export const messages = {
  fileNotFound(path: string, absPath: string, what: string): UserError {
    return new UserError(`${what} file not found: ${path} (resolved to ${absPath})`, {
      where: path,
      fix: 'check the path; relative paths resolve against the directory of the scenario file',
    });
  },
  yamlSyntax(file: string, line: number, detail: string): UserError {
    return new UserError(`invalid YAML/JSON: ${detail}`, {
      where: `${file}:${line}`,
      fix: 'correct the syntax at that line (indentation, a missing colon or an unclosed bracket)',
    });
  },
  schemaIssues(file: string, issues: string[]): UserError {
    return new UserError(`invalid scenario — ${issues.join('; ')}`, {
      where: file,
      fix: 'see docs/scenario.md for every key, its type and its default',
    });
  },
  badOverride(expr: string): UserError {
    return new UserError(`cannot parse --set "${expr}"`, {
      where: '--set',
      fix: 'write --set key.path=value, e.g. --set workload.arrivals.ratePerSec=12',
    });
  },
  replicasForGpuCount(gpus: number): string {
    return `${gpus} GPU${gpus === 1 ? '' : 's'}`;
  },
} as const;
