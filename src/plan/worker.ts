/**
 * Worker thread of `servesim plan` (started by ./pool.ts): evaluates the tasks it is sent, one at a time, and
 * posts each result back. A user error travels as its problems; anything else as an internal error.
 */
import { parentPort } from 'node:worker_threads';
import { UserError } from '../errors/user-error.ts';
import { runTask } from './task.ts';
import type { PlanTask } from './task.ts';

parentPort!.on('message', (t: PlanTask) => {
  try {
    parentPort!.postMessage({ index: t.index, result: runTask(t) });
  } catch (e) {
    if (e instanceof UserError) parentPort!.postMessage({ index: t.index, problems: e.problems });
    else parentPort!.postMessage({ index: t.index, internal: (e as Error)?.stack ?? String(e) });
  }
});
