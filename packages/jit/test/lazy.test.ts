/** Models whose weights are LazyParameters (held on disk until compiled). */
import { beforeAll, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { LazyParameter, Parameter, UnboundParameterError, mapParameterNodes, type LazySource } from '@penjing/layers';
import { GemmaTransformer } from '@penjing/gemma';
import { generate } from '@penjing/transformer';
import { releaseCompiledGeneration } from '@penjing/jit';
import { jit } from '@penjing/jit';
import { expectClose, tinyConfig, tokens } from './helpers.js';

/** A source over values already in memory, counting its reads. */
class MemorySource implements LazySource {
  reads = 0;
  readonly storedDtype = 'float32';
  constructor(
    private readonly values: Float32Array,
    readonly shape: readonly number[],
    readonly describe: string,
  ) {}
  async read(): Promise<Float32Array> {
    this.reads++;
    return this.values.slice();
  }
}

beforeAll(async () => {
  await nx.ready();
});

it('a model of LazyParameters compiles (each weight read once) and equals the eager model it was made from', async () => {
  const model = GemmaTransformer.fromConfig(tinyConfig('gemma2_2b'), { seed: 8 });
  const sources: MemorySource[] = [];
  const lazy = mapParameterNodes(model, (p) => {
    const value = (p as Parameter).value;
    const source = new MemorySource(value.data.dataSync() as Float32Array, value.data.shape, `memory: ${p.label}`);
    sources.push(source);
    return new LazyParameter({ label: p.label, namedShape: value.namedShape, source });
  });
  const t = tokens([[2, 7, 9, 4]]);
  expect(() => lazy.call(t)).toThrow(UnboundParameterError);
  expect(() => lazy.call(t)).toThrow(/is held lazily on disk \(memory: .*\) and cannot run eagerly: compile the model with jit\(model\)/);
  const before = tf.memory().numTensors;
  const fast = jit(lazy);
  for (const returnLastOnly of [false, true]) {
    const [got, want] = [await fast.call(t, { returnLastOnly }), model.call(t, { returnLastOnly })];
    expectClose(got, want);
    tf.dispose([got.data, want.data]);
  }
  expect(sources.every((s) => s.reads === 1)).toBe(true);
  await fast.dispose();
  expect(tf.memory().numTensors).toBe(before);
  // Generation compiles the lazy model's caching form (weights never on the tfjs heap).
  const eager = await generate(model, [2, 7, 9, 4], { maxNewTokens: 6, stopIds: [] });
  const compiled = await generate(lazy, [2, 7, 9, 4], { maxNewTokens: 6, stopIds: [], jit: true });
  expect(compiled.tokens).toEqual(eager.tokens);
  await releaseCompiledGeneration(lazy);
});
