// Memory that frees itself: 500 forward calls of a tiny Gemma, none disposed, in a child
// `node --expose-gc` process (a GC can be asked for there). Memory must stay flat while the
// parameters, a view of a dropped result and a tidy scope's result stay intact.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { REPO_ROOT, bundleChild } from './support/bundle-child.js';

it('500 un-disposed forward calls leave tf.memory() flat; shared tensors survive', async () => {
  const bundle = await bundleChild(fileURLToPath(new URL('./fixtures/engine/auto-free-child.ts', import.meta.url)));
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', bundle], {
    cwd: REPO_ROOT, timeout: 60_000, env: { ...process.env, PENJING_AUTO_FREE: '1' },
  });
  const r = JSON.parse(stdout.trim().split('\n').pop()!);
  const counts = r.samples.map((s: { numTensors: number }) => s.numTensors);
  const bytes = r.samples.map((s: { numBytes: number }) => s.numBytes);
  // Flat: the last sample holds no more than the first (each call would otherwise add its logits).
  expect(counts[counts.length - 1]).toBeLessThanOrEqual(counts[0]);
  expect(bytes[bytes.length - 1]).toBeLessThanOrEqual(bytes[0]);
  expect(r.stats.freed).toBeGreaterThanOrEqual(500);
  expect(r.sameLogits).toBe(true);
  expect(r.viewOk).toBe(true);
  expect(r.kept).toEqual([2, 2, 2, 2]);
  expect(r.escapes).toEqual({ made: 100, left: 0 }); // kept and nested-scope results, freed once unreachable
});
