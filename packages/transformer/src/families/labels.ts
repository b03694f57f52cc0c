/**
 * Parameter names of the families' layer trees, in Penzai's scheme
 * (`transformer/block_3/attention/query.weights`, a bias `….bias`, a norm
 * `…/scale.weights` and `…/shift.bias`), the same stems Gemma uses, so interpretability code
 * and LoRA targets name the same parts in every family.
 */

/** The prefix of every label. */
export const FAMILY_LABEL_ROOT = 'transformer';

/**
 * Layer names (label stems) of block `i`.
 * @example familyBlockNames(0).query // 'transformer/block_0/attention/query'
 */
export function familyBlockNames(i: number) {
  const b = `${FAMILY_LABEL_ROOT}/block_${i}`;
  return {
    preAttentionNorm: `${b}/pre_attention_norm`,
    query: `${b}/attention/query`,
    key: `${b}/attention/key`,
    value: `${b}/attention/value`,
    queryNorm: `${b}/attention/query_norm`,
    keyNorm: `${b}/attention/key_norm`,
    output: `${b}/attention/output`,
    preFfwNorm: `${b}/pre_ffw_norm`,
    gating: `${b}/mlp/gating_linear`,
    valueLinear: `${b}/mlp/value_linear`,
    /** The first projection of a plain (ungated) MLP. */
    inLinear: `${b}/mlp/in_linear`,
    outLinear: `${b}/mlp/out_linear`,
  };
}

/**
 * Names outside the blocks, and `block(i)` inside.
 * @example FAMILY_NAMES.finalNorm // 'transformer/final_norm'
 */
export const FAMILY_NAMES = {
  embedder: `${FAMILY_LABEL_ROOT}/embedder`,
  positionEmbedder: `${FAMILY_LABEL_ROOT}/position_embedder`,
  finalNorm: `${FAMILY_LABEL_ROOT}/final_norm`,
  lmHead: `${FAMILY_LABEL_ROOT}/lm_head`,
  block: familyBlockNames,
} as const;
