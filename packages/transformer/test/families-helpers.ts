/** Tiny config.json objects of every family, in the real key names, for random models. */
export const TINY_CONFIGS: Readonly<Record<string, Record<string, unknown>>> = {
  llama: {
    model_type: 'llama', vocab_size: 50, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 2, num_attention_heads: 4,
    num_key_value_heads: 2, rms_norm_eps: 1e-5, rope_theta: 500000, tie_word_embeddings: true, eos_token_id: [2, 3], bos_token_id: 1,
    rope_scaling: { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
  },
  mistral: {
    model_type: 'mistral', vocab_size: 40, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 2, num_attention_heads: 4,
    num_key_value_heads: 1, head_dim: 4, sliding_window: 3, rms_norm_eps: 1e-5, rope_theta: 10000.0, eos_token_id: 2,
  },
  qwen2: {
    model_type: 'qwen2', vocab_size: 40, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 2, num_attention_heads: 2,
    num_key_value_heads: 2, sliding_window: 32768, use_sliding_window: false, tie_word_embeddings: true, eos_token_id: 39,
  },
  qwen3: {
    model_type: 'qwen3', vocab_size: 40, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 2, num_attention_heads: 4,
    num_key_value_heads: 2, head_dim: 6, rope_theta: 1000000, eos_token_id: 39,
  },
  gpt2: { model_type: 'gpt2', vocab_size: 40, n_embd: 16, n_head: 2, n_layer: 2, n_positions: 32, eos_token_id: 39 },
  gpt_neox: {
    model_type: 'gpt_neox', vocab_size: 40, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 2, num_attention_heads: 2,
    rotary_pct: 0.5, rotary_emb_base: 10000, use_parallel_residual: true, eos_token_id: 0,
  },
};
