/** The jit README: every name it imports exists, and its opening example runs on a tiny Gemma. */
import { beforeAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as nx from '@penjing/named-array';
import { CollectSideOutputs } from '@penjing/layers';
import { GemmaTransformer } from '@penjing/gemma';
import { generate } from '@penjing/transformer';
import { withAttentionProbes } from '@penjing/interp';
import { jit, useOnnxRuntime } from '@penjing/jit';
import * as ort from 'onnxruntime-node';
import { bodyOf, fenced, readmeImportProblems, regions } from '../../../tests/support/readme-blocks.js';

const README = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');

beforeAll(async () => {
  await nx.ready();
});

it('every name the README imports is exported by its module', async () => {
  const { count, problems } = await readmeImportProblems(README);
  expect(count).toBeGreaterThan(5);
  expect(problems).toEqual([]);
});

it('the browser example is the one tests/browser/jit.test.ts runs in Chromium (tests/browser/pages/jit-page.ts)', () => {
  const page = readFileSync(fileURLToPath(new URL('../../../tests/browser/pages/jit-page.ts', import.meta.url)), 'utf8');
  const browserBlock = fenced(README, 'ts').map(bodyOf).find((b) => b.includes('wasmPaths'));
  expect(browserBlock).toBeDefined();
  expect(regions(page)).toEqual([browserBlock]);
});

it('the opening example runs', async () => {
  expect(() => useOnnxRuntime({})).toThrow(/expected the onnxruntime-node or onnxruntime-web module/);
  useOnnxRuntime(ort);
  const model = await GemmaTransformer.fromPretrained('examples/tiny-gemma');
  const tokens = nx.fromArray([[2, 10, 11, 12, 13, 10, 11, 12]], ['batch', 'seq'], 'int32');
  const fast = jit(model);
  const logits = await fast.call(tokens);
  const last = await fast.call(tokens, { returnLastOnly: true });
  const probed = jit(new CollectSideOutputs({ body: withAttentionProbes(model) }));
  const { output, sideOutputs } = await probed.call(tokens);
  const [reply] = await generate(model, [[2, 10, 11, 12, 13, 10]], { jit: true, maxNewTokens: 8 });
  const [eager] = await generate(model, [[2, 10, 11, 12, 13, 10]], { maxNewTokens: 8 });
  await fast.dispose();
  await probed.dispose();
  expect(logits.namedShape).toEqual({ batch: 1, seq: 8, vocabulary: 64 });
  expect(last.namedShape).toEqual({ batch: 1, vocabulary: 64 });
  expect(output.namedShape).toEqual(logits.namedShape);
  expect(Object.values(sideOutputs)[0]).toHaveLength(2);
  expect(reply!.tokens).toEqual(eager!.tokens);
});
