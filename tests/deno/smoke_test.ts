// Deno smoke test, run by tests/deno.test.ts (vitest) as `deno test -A tests/deno/`.
// Packages resolve from the npm workspace's node_modules: the root deno.json sets
// "nodeModulesDir": "manual", so Deno reads package.json + node_modules and downloads
// nothing. `@penjing/*` are workspace symlinks whose package.json "exports" point at
// packages/*/dist (built by `npm run build`).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

Deno.test('tfjs wasm backend starts under Deno and computes', async () => {
  // Deno resolves the package's "main" (its Node build), which reads the .wasm files
  // beside itself with fs: no setWasmPaths is needed.
  assert(await tf.setBackend('wasm'), 'tf.setBackend("wasm") returned false');
  await tf.ready();
  assert(tf.getBackend() === 'wasm', `backend is ${tf.getBackend()}`);
  const y = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[1], [1]])));
  const data = Array.from(await y.data());
  y.dispose();
  assert(JSON.stringify(data) === '[3,7]', `matMul gave ${data}`);
});

const packages = ['named-array', 'layers', 'io', 'transformer', 'interp', 'gemma', 'viewer'];

Deno.test('@penjing/* resolve to the workspace packages\' dist', () => {
  for (const name of packages) {
    const url = import.meta.resolve(`@penjing/${name}`);
    const want = new URL(`../../packages/${name}/dist/index.js`, import.meta.url).href;
    assert(url === want, `@penjing/${name} resolved to ${url}, expected ${want}`);
  }
});

function built(name: string): boolean {
  try {
    return Deno.statSync(new URL(`../../packages/${name}/dist/index.js`, import.meta.url)).isFile;
  } catch {
    return false;
  }
}

for (const name of packages) {
  Deno.test({
    name: `@penjing/${name} imports under Deno (from dist; run npm run build first)`,
    ignore: !built(name),
    fn: async () => {
      // A non-literal specifier keeps this import out of the type-checked graph, so the
      // file still checks before the packages are built.
      const specifier = `@penjing/${name}`;
      const mod = await import(specifier);
      // A module namespace has a null prototype: describe it by its keys, not String(mod).
      assert(typeof mod === 'object' && mod !== null, `import ${specifier} gave ${typeof mod}`);
      console.log(`${specifier}: ${Object.keys(mod).length} exports`);
    },
  });
}
