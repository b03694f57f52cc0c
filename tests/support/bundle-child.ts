// Bundles a test's child-process script from the packages' TypeScript sources (every
// @penjing/* import resolves to packages/<name>/src/index.ts, as vitest's aliases do), so a
// child needs no `npm run build`. Other packages stay external and load from node_modules.
import { existsSync, mkdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `@penjing/<name>` → packages/<name>/src/index.ts and `@penjing/<name>/<sub>` →
 * packages/<name>/src/<sub>.ts, as vitest's aliases resolve them.
 */
export const penjingSources: Plugin = {
  name: 'penjing-sources',
  setup(b) {
    b.onResolve({ filter: /^@penjing\// }, (args) => {
      const [, name, ...sub] = args.path.split('/');
      const file = join(REPO_ROOT, 'packages', name, 'src', `${sub.length ? sub.join('/') : 'index'}.ts`);
      return existsSync(file) ? { path: file } : undefined;
    });
  },
};

/** Bundles `entry` (absolute path) to out/test-bundles/<name>.mjs and returns that path. */
export async function bundleChild(entry: string): Promise<string> {
  const dir = join(REPO_ROOT, 'out', 'test-bundles');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, basename(entry).replace(/\.ts$/, '.mjs'));
  await build({
    entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', logLevel: 'silent', 
    plugins: [penjingSources, {
      name: 'node-modules-external',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@penjing/') ? undefined : { path: args.path, external: true }));
      },
    }],
  });
  return outfile;
}

/**
 * One ES module for a browser page from `contents` (TypeScript importing @penjing/* by name),
 * with Node's built-in modules stubbed by empty objects: for pages that never reach the
 * packages' file-system code (they build models with fromConfig).
 */
export async function bundleForBrowser(contents: string): Promise<string> {
  const builtins = new Set(builtinModules);
  const out = await build({
    stdin: { contents, resolveDir: REPO_ROOT, loader: 'ts' },
    bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent', 
    plugins: [penjingSources, {
      name: 'stub-node-builtins',
      setup(b) {
        b.onResolve({ filter: /^[a-z_:/]+$/ }, (args) =>
          args.path.startsWith('node:') || builtins.has(args.path) ? { path: args.path, namespace: 'stub' } : undefined);
        // A class whose every property is a class: module-level `extends EventEmitter` still loads.
        // Own keys for what modules read at load time (esbuild copies only own properties).
        const stub = `const any = new Proxy(class Stub {}, { get: (t, k) => (k in t ? t[k] : class Stub {}) });
module.exports = Object.assign(any, { constants: {}, promises: any, EventEmitter: class EventEmitter {}, sep: '/' });`;
        b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: stub, loader: 'js' }));
      },
    }],
  });
  return out.outputFiles[0].text;
}
