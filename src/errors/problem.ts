/**
 * One problem found in the user's input, as data. Every user-facing error of servesim is a list of these:
 * the terminal prints each as one paragraph, `--json` prints `{ "problems": [...] }` on stderr.
 *
 * - `code`: a stable identifier of the kind of problem (`yaml-syntax`, `unknown-key`, `invalid-value`, …)
 * - `path`: the key path it is about (`engine.maxNumSeqs`, `pools.1.parallelism.tensor`), `''` when none
 * - `message`: what is wrong; `fix`: what to do about it
 * - `file` / `line`: where the key or the bad line sits, when known (`line` is 1-based)
 * - `arg`: the command-line argument it came from (`--set parallelism.tensr=2`, `--out`), when it came from one
 */
export interface Problem {
  code: string;
  path: string;
  message: string;
  fix: string;
  file?: string;
  line?: number;
  arg?: string;
}

/** File extensions that mark the first word of a legacy `where` string as a file name. */
const FILE_RE = /^(\S+\.(?:ya?ml|json|jsonl|csv|txt|tsv))(?:[ :]\s*(.+))?$/i;

/**
 * Reads a legacy free-form `where` ("trace.csv:12", "h100.yaml memoryBandwidthBytesPerSec",
 * "engine.blockSize", "--harness") into the structured location fields of a Problem.
 */
export function locationFromWhere(where: string | undefined): Pick<Problem, 'path' | 'file' | 'line' | 'arg'> {
  if (where === undefined || where === '') return { path: '' };
  const fileLine = /^(.+):(\d+)$/.exec(where);
  if (fileLine) return { path: '', file: fileLine[1], line: Number(fileLine[2]) };
  if (where.startsWith('--')) return { path: '', arg: where };
  const f = FILE_RE.exec(where);
  if (f) return { path: f[2] ?? '', file: f[1] };
  return { path: where };
}

/** The location of a problem as printed: `file:line: path` / `--set x=1: path` / `path`. */
export function formatLocation(p: Problem): string {
  const parts: string[] = [];
  if (p.arg !== undefined) parts.push(p.arg);
  else if (p.file !== undefined) parts.push(p.line !== undefined ? `${p.file}:${p.line}` : p.file);
  if (p.path !== '') parts.push(p.path);
  return parts.join(': ');
}

/** Control characters (from a binary file quoted in a message) shown as `?`, line breaks as spaces. */
const printable = (t: string): string => t.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

/** One paragraph for the terminal: `error: <where>: <message>. Fix: <fix>`. */
export function formatProblem(p: Problem): string {
  const loc = printable(formatLocation(p));
  const msg = printable(p.message).replace(/\s+$/, '');
  const end = /[.!?]$/.test(msg) ? '' : '.';
  const fix = p.fix !== '' ? ` Fix: ${printable(p.fix)}` : '';
  return `error: ${loc !== '' ? `${loc}: ` : ''}${msg}${end}${fix}`;
}

/** Problems as the `--json` error document, keys in a fixed order (same input ⇒ same bytes). */
export function problemsJson(problems: readonly Problem[]): string {
  const ordered = problems.map((p) => {
    const o: Record<string, unknown> = { code: p.code, path: p.path, message: p.message, fix: p.fix };
    if (p.file !== undefined) o['file'] = p.file;
    if (p.line !== undefined) o['line'] = p.line;
    if (p.arg !== undefined) o['arg'] = p.arg;
    return o;
  });
  return JSON.stringify({ problems: ordered }, null, 2) + '\n';
}
