#!/usr/bin/env node
// Entry point of the `servesim` command: runs the compiled JavaScript in dist/ (built by `npm run build`,
// which `npm ci` / `npm install` run through the `prepare` script). No TypeScript is compiled at run time.
let cli;
try {
  ({ cli } = await import('../dist/src/cli/main.js'));
} catch (e) {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/src/cli/main.js')) {
    process.stderr.write('error: servesim is not built (dist/ is missing). Fix: run `npm run build` (or `npm ci`) in the servesim checkout.\n');
    process.exit(2);
  }
  throw e;
}
process.exitCode = await cli(process.argv.slice(2));
