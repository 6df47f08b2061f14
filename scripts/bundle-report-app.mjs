// `npm run build` step: bundles the interactive part of report.html (src/report/html/app.ts: the procurement
// model and the browser-safe simulator core) for the browser with esbuild into
// dist/src/report/html/app.bundle.js, which `servesim report` inlines. Fails when a `node:` module (or a Node
// built-in) would be pulled in: the simulation core must stay free of Node-only APIs.
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const builtins = new Set(builtinModules);
const guard = {
  name: 'no-node-modules',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      // seedrandom's optional require('crypto') (auto-seeding, never used: servesim always seeds) is mapped to
      // false by its package.json `browser` field, which esbuild applies.
      if (args.path === 'crypto' && args.importer.includes(`${path.sep}seedrandom${path.sep}`)) return undefined;
      if (args.path.startsWith('node:') || builtins.has(args.path)) {
        return { errors: [{ text: `${args.path} (imported by ${path.relative(repo, args.importer)}) is a Node module: the report app must be browser-safe` }] };
      }
      return undefined;
    });
  },
};
await build({
  entryPoints: [path.join(repo, 'src/report/html/app.ts')],
  outfile: path.join(repo, 'dist/src/report/html/app.bundle.js'),
  bundle: true, platform: 'browser', format: 'iife', minify: true, target: 'es2022', legalComments: 'none',
  logLevel: 'warning', plugins: [guard],
});
