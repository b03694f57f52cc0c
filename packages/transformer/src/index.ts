/**
 * @penjing/transformer — the family-independent parts of a transformer language model:
 * `TransformerLM`, the KV cache and caching model, seeded sampling, generation, tokenizers
 * and chat templates. Families (`@penjing/gemma`) build on it. Each concept is also its own
 * entry point: `@penjing/transformer/model`, `/generation`, `/sampling`, `/tokenizer`.
 * These re-exports are of those curated entry modules only, never of internals.
 *
 * @example
 * import { generate, loadTokenizer } from '@penjing/transformer';
 * const tok = await loadTokenizer(dir);
 * const { text } = await generate(model, 'Hello', { tokenizer: tok, maxNewTokens: 8 });
 */
export * from './model.js';
export * from './sampling.js';
export * from './generation.js';
export * from './tokenizer.js';
