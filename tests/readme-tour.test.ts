// The root README's tour, kept runnable: the same code, with its claims asserted.
import { beforeAll, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';
import { select, Softmax, Tell, CollectSideOutputs, KnockOutAttentionHeads } from '@penjing/layers';
import { GemmaTransformer } from '@penjing/gemma';
import { view, renderAttention } from '@penjing/viewer';

beforeAll(async () => {
  await nx.ready();
});

it('README tour runs', async () => {
  const model = await GemmaTransformer.fromPretrained('examples/tiny-gemma');
  const tokens = nx.fromArray([[2, 9, 14, 30, 9, 14]], ['batch', 'seq'], 'int32');
  const logits = model.call(tokens);
  expect(logits.namedShape).toMatchObject({ batch: 1, seq: 6, vocabulary: 64 });
  const logProbs = logits.logSoftmax('vocabulary');
  expect(logProbs.namedShape).toMatchObject({ batch: 1, seq: 6 });

  const probed = select(model).atInstancesOf(Softmax).insertAfter(new Tell({ tag: 'attn' }));
  const { sideOutputs } = new CollectSideOutputs({ body: probed }).call(tokens) as { sideOutputs: Record<string, nx.NamedArray[]> };
  const patterns = nx.stack(sideOutputs.attn, 'blocks');
  expect(patterns.namedShape).toMatchObject({ blocks: 2, batch: 1, heads: 4, seq: 6, kv_seq: 6 });

  const keep = nx.fromArray([1, 0, 1, 1], ['heads']);
  const ablated = select(model).atInstancesOf(Softmax).pickNth(1).insertAfter(new KnockOutAttentionHeads({ headMask: keep }));
  const change = ablated.call(tokens).sub(logits).abs().max('batch', 'seq', 'vocabulary');
  expect(change.item()).toBeGreaterThan(0);
  expect(select(model).atInstancesOf(KnockOutAttentionHeads).count()).toBe(0);

  const display = view(model)[Symbol.for('Jupyter.display')]() as Record<string, string>;
  expect(display['text/html']).toContain('GemmaTransformer');
  const attn = renderAttention(patterns.index({ blocks: 1, batch: 0 }), { tokens: ['<bos>', 'a', 'b', 'c', 'a', 'b'] });
  expect((attn[Symbol.for('Jupyter.display')]() as Record<string, string>)['text/plain']).toContain('heads');
});
