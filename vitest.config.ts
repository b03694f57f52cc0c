import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (pkg: string, entry = 'index') => fileURLToPath(new URL(`./packages/${pkg}/src/${entry}.ts`, import.meta.url));

// Tests import packages by their public names; vitest resolves them to source so a
// test run needs no build step, while `npm run build` type-checks the same imports.
export default defineConfig({
  resolve: {
    // Subpath entries first: an alias matches by prefix.
    alias: {
      '@penjing/layers/literal': fileURLToPath(new URL('./packages/layers/src/tree/literal.ts', import.meta.url)),
      '@penjing/io/node': src('io', 'node'),
      '@penjing/transformer/model': src('transformer', 'model'),
      '@penjing/transformer/generation': src('transformer', 'generation'),
      '@penjing/transformer/sampling': src('transformer', 'sampling'),
      '@penjing/transformer/tokenizer': src('transformer', 'tokenizer'),
      '@penjing/transformer/cli': src('transformer', 'cli'),
      '@penjing/named-array': src('named-array'),
      '@penjing/layers': src('layers'),
      '@penjing/io': src('io'),
      '@penjing/transformer': src('transformer'),
      '@penjing/interp': src('interp'),
      '@penjing/gemma': src('gemma'),
      '@penjing/viewer': src('viewer'),
      '@penjing/jit': src('jit'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'tests/**/*.test.ts'],
    exclude: ['tests/deno/**', 'node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Leak checks compare tf.memory() before and after awaits; tensors freed by the garbage
    // collector in between would confound them. tests/auto-free.test.ts turns it back on.
    // wasm threads stay off in the suite (and the child processes it starts): with many tiny
    // ops, XNNPACK's per-op thread hand-off costs more than it saves (a fuzz run of 150 tiny
    // generate calls: 8 s on 1 thread, over 100 s on 2 on a busy 2-core machine).
    // packages/named-array/test/threads.test.ts tests threads, including the default.
    env: { PENJING_AUTO_FREE: '0', PENJING_WASM_THREADS: '1' },
  },
});
