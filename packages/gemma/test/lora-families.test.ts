/**
 * LoRA on the other families' trees: they share Gemma's label stems, so `loraify` finds the
 * PEFT modules (q_proj … down_proj) in a Llama-family model, the wrapped model computes what
 * the original did until trained, and `mergeLora` folds trained factors back exactly.
 */
import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { disposeTree, mapParameterNodes, Parameter } from '@penjing/layers';
import { TransformerLM } from '@penjing/transformer';
import { loraSites, loraify, mergeLora } from '@penjing/gemma';

const LLAMA = {
  model_type: 'llama', vocab_size: 30, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2,
};

it('loraify and mergeLora work on a llama-family model with PEFT module names', async () => {
  await nx.ready();
  const model = TransformerLM.fromConfig(LLAMA, { seed: 4 });
  const modules = loraSites(model).map((s) => s.hf && `${s.hf.layer}.${s.hf.module}`).filter(Boolean);
  expect(modules).toEqual(expect.arrayContaining(['0.q_proj', '0.k_proj', '0.v_proj', '0.o_proj', '1.gate_proj', '1.up_proj', '1.down_proj']));
  const lora = loraify(model, { rank: 2, where: ['q_proj', 'v_proj', 'down_proj'], seed: 1 });
  const tokens = nx.fromArray([[3, 0, 7, 9]], ['batch', 'seq'], 'int32');
  const same = (a: nx.NamedArray, b: nx.NamedArray) => tf.tidy(() => tf.max(tf.abs(tf.sub(a.orderLike(b).data, b.data))).dataSync()[0]!);
  const base = model.call(tokens);
  expect(same(lora.call(tokens), base)).toBe(0);
  // "Train": give every B factor non-zero values; the merged model equals the adapted one.
  const trained = mapParameterNodes(lora, (p) =>
    p instanceof Parameter && p.label.includes('lora_b') ? new Parameter({ label: p.label, value: p.value.add(0.05) }) : p,
  ) as typeof lora;
  const adapted = trained.call(tokens);
  expect(same(adapted, base)).toBeGreaterThan(1e-4);
  const merged = mergeLora(trained);
  expect(same(merged.call(tokens), adapted)).toBeLessThan(1e-4);
  disposeTree(model);
});
