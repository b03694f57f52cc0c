// A tiny Gemma-shaped tokenizer.json (BPE, the five special pieces Gemma needs), for tests that
// edit one part of the file.

/** The pieces of the tiny vocabulary, in id order. */
export function miniPieces(): string[] {
  const pieces = ['<pad>', '<eos>', '<bos>', '<unk>', '<mask>'];
  while (pieces.length < 106) pieces.push(`<unused${pieces.length - 5}>`);
  pieces.push('<start_of_turn>', '<end_of_turn>', '\n', '▁', 'h', 'i', 'a', 'b', '!');
  return pieces;
}

/** A parsed tokenizer.json for the tiny vocabulary. @example tokenizerFromJson(miniTokenizerJson()) */
export function miniTokenizerJson(): Record<string, unknown> {
  const pieces = miniPieces();
  const special = (id: number) => ({ id, content: pieces[id], single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  return {
    version: '1.0',
    added_tokens: [0, 1, 2, 3, 4, 106, 107].map(special),
    normalizer: { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
    pre_tokenizer: null,
    post_processor: null,
    decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'Fuse' }] },
    model: {
      type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: true, byte_fallback: false, vocab: Object.fromEntries(pieces.map((p, i) => [p, i])), merges: ['h i'],
    },
  };
}
