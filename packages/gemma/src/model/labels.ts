/**
 * Names and parameter labels of a Gemma model, in Penzai's scheme
 * (`transformer/block_3/attention/query.weights`). The builder passes the names to the
 * catalogue layers' `fromConfig`, which derive the labels the same way as `LABELS` here
 * (a Linear `<name>.weights`, an RMSLayerNorm `<name>/scale.weights`, an embedding table
 * `<name>.embeddings`); the checkpoint loader and saver bind and find parameters by these
 * labels, so a model built from a config and one loaded from a checkpoint agree.
 */

import { FAMILY_LABEL_ROOT, familyBlockNames } from '@penjing/transformer';

/** The prefix of every Gemma parameter label (the one every family uses). */
export const LABEL_ROOT = FAMILY_LABEL_ROOT;

/**
 * Layer names (label stems) of block `i`, as passed to the catalogue's `fromConfig`: the
 * stems every family shares (`@penjing/transformer`'s `familyBlockNames`) plus Gemma's post-norms.
 * @example blockNames(0).query // 'transformer/block_0/attention/query'
 */
export function blockNames(i: number) {
  const { inLinear: _plainMlpOnly, ...shared } = familyBlockNames(i);
  const b = `${LABEL_ROOT}/block_${i}`;
  return { ...shared, postAttentionNorm: `${b}/post_attention_norm`, postFfwNorm: `${b}/post_ffw_norm` };
}

/**
 * Names (label stems) of the layers outside the blocks, and `block(i)` for those inside.
 * @example NAMES.finalNorm // 'transformer/final_norm'
 */
export const NAMES = {
  embedder: `${LABEL_ROOT}/embedder`,
  finalNorm: `${LABEL_ROOT}/final_norm`,
  lmHead: `${LABEL_ROOT}/lm_head`,
  block: blockNames,
} as const;

const linear = (name: string) => `${name}.weights`;
const norm = (name: string) => `${name}/scale.weights`;

/**
 * Full parameter labels.
 *
 * @example
 * LABELS.block(3).query;   // 'transformer/block_3/attention/query.weights'
 * LABELS.finalNorm;        // 'transformer/final_norm/scale.weights'
 */
export const LABELS = {
  embeddings: `${NAMES.embedder}.embeddings`,
  finalNorm: norm(NAMES.finalNorm),
  lmHead: linear(NAMES.lmHead),
  block(i: number) {
    const n = blockNames(i);
    return {
      preAttentionNorm: norm(n.preAttentionNorm),
      query: linear(n.query),
      key: linear(n.key),
      value: linear(n.value),
      queryNorm: norm(n.queryNorm),
      keyNorm: norm(n.keyNorm),
      output: linear(n.output),
      postAttentionNorm: norm(n.postAttentionNorm),
      preFfwNorm: norm(n.preFfwNorm),
      gating: linear(n.gating),
      valueLinear: linear(n.valueLinear),
      outLinear: linear(n.outLinear),
      postFfwNorm: norm(n.postFfwNorm),
    };
  },
} as const;
