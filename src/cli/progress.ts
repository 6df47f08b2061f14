/**
 * Progress bar on stderr for commands that run longer than a second (cli-progress). Shown only when stderr is
 * a terminal, outside CI (`CI` set) and without `--json`: {@link progressWanted} decides.
 */
import cliProgress from 'cli-progress';

export function progressWanted(json: boolean | undefined): boolean {
  return !json && !!process.stderr.isTTY && !process.env.CI;
}

export function startProgress(total: number, unit: string): { update(done: number): void; stop(): void } {
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: `{bar} {value}/{total} ${unit} · {duration_formatted} elapsed · eta {eta_formatted}`,
    hideCursor: true,
    clearOnComplete: true,
  }, cliProgress.Presets.shades_classic);
  bar.start(total, 0);
  return { update: (done) => bar.update(done), stop: () => bar.stop() };
}

/** A progress line without a known total: a running count of `unit` and the time elapsed. */
export function startCounter(unit: string): { update(done: number): void; stop(): void } {
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: `{value} ${unit} · {duration_formatted} elapsed`,
    hideCursor: true,
    clearOnComplete: true,
  }, cliProgress.Presets.shades_classic);
  bar.start(Number.MAX_SAFE_INTEGER, 0);
  return { update: (done) => bar.update(done), stop: () => bar.stop() };
}
