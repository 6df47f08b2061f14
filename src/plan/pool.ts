/**
 * Runs plan tasks on `jobs` worker threads (or in this thread with `jobs` = 1), handing out one task at a time
 * so that a slow option does not hold up the rest. Results come back in task order whatever the order of
 * completion: the output does not depend on the number of workers.
 *
 * The worker is ./worker.js next to this module in the built package (dist/src/plan/), or ./worker.ts run
 * through tsx when servesim runs from its sources (tests, bench).
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import type { Problem } from '../errors/problem.ts';
import { UserError } from '../errors/user-error.ts';
import { runTask } from './task.ts';
import type { PlanTask } from './task.ts';
import type { OptionEvaluation } from './evaluate.ts';

/** From sources (tests, bench): a worker that registers tsx's loader, then imports worker.ts. */
function sourceWorker(url: URL): Worker {
  const req = createRequire(import.meta.url);
  const pkgFile = req.resolve('tsx/package.json');
  const entry = (req(pkgFile) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api'].import.default;
  const api = pathToFileURL(path.join(path.dirname(pkgFile), entry)).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(code, { eval: true });
}

type Reply = { index: number; result?: OptionEvaluation; problems?: Problem[]; internal?: string };

export async function runTasks(tasks: readonly PlanTask[], jobs: number, onDone: (done: number, total: number) => void = () => {}): Promise<OptionEvaluation[]> {
  const results = new Map<number, OptionEvaluation>();
  if (jobs <= 1 || tasks.length <= 1) {
    for (const t of tasks) {
      results.set(t.index, runTask(t));
      onDone(results.size, tasks.length);
    }
    return tasks.map((t) => results.get(t.index)!);
  }
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);
  const n = Math.min(jobs, tasks.length);
  let next = 0;
  let failure: Error | null = null;
  await new Promise<void>((resolve, reject) => {
    let live = n;
    const workers: Worker[] = [];
    const stopAll = () => { for (const w of workers) void w.terminate(); };
    for (let i = 0; i < n; i++) {
      const w = fromSource ? sourceWorker(url) : new Worker(url);
      workers.push(w);
      const feed = () => {
        if (failure === null && next < tasks.length) w.postMessage(tasks[next++]);
        else {
          void w.terminate();
        }
      };
      w.on('message', (r: Reply) => {
        if (r.result) {
          results.set(r.index, r.result);
          onDone(results.size, tasks.length);
        } else if (failure === null) {
          failure = r.problems ? UserError.of(r.problems) : new Error(`plan worker failed on option ${r.index}: ${r.internal}`);
          stopAll();
        }
        feed();
      });
      w.on('error', (e) => {
        if (failure === null) failure = e;
        stopAll();
      });
      w.on('exit', () => {
        live--;
        if (live === 0) {
          if (!failure && results.size < tasks.length) failure = new Error(`plan workers ended with ${tasks.length - results.size} option(s) not evaluated`);
          if (failure) reject(failure);
          else resolve();
        }
      });
      feed();
    }
  });
  return tasks.map((t) => results.get(t.index)!);
}
