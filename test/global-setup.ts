import { ensureBuilt } from './helpers/built.ts';

/** Once per vitest run, before any test file: make sure dist/ is built and current (see helpers/built.ts). */
export default function setup(): void {
  ensureBuilt();
}
