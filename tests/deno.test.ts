// Runs the Deno test files in tests/deno/ with the workspace's own Deno, so `npm test`
// covers Deno. Deno type-checks the test files against the packages' .d.ts files, which it
// finds through the `// @ts-self-types` line that scripts/add-self-types.mjs writes into
// each built module.
import { describe, expect, it } from 'vitest';
import { denoTest } from './support/deno.js';

describe('deno', () => {
  it('deno test tests/deno/ passes', async () => {
    const out = await denoTest('tests/deno/', { timeoutMs: 110_000 });
    expect(out).toMatch(/ok \| \d+ passed \| 0 failed/);
  });
});
