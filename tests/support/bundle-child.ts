// Bundles a test's child-process script from the packages' TypeScript sources (every
// @penjing/* import resolves to packages/<name>/src/index.ts, as vitest's aliases do), so a
// child needs no `npm run build`. Other packages stay external and load from node_modules.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Bundles `entry` (absolute path) to out/test-bundles/<name>.mjs and returns that path. */
export async function bundleChild(entry: string): Promise<string> {
  const dir = join(REPO_ROOT, 'out', 'test-bundles');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, basename(entry).replace(/\.ts$/, '.mjs'));
  const alias: Record<string, string> = {};
  for (const name of readdirSync(join(REPO_ROOT, 'packages'))) {
    const src = join(REPO_ROOT, 'packages', name, 'src', 'index.ts');
    if (existsSync(src)) alias[`@penjing/${name}`] = src;
  }
  await build({
    entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', logLevel: 'silent', alias,
    plugins: [{
      name: 'node-modules-external',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@penjing/') ? undefined : { path: args.path, external: true }));
      },
    }],
  });
  return outfile;
}
