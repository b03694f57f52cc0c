/**
 * GPT-2's byte-level BPE through `tokenizerFromJson`: a tokenizer.json is assembled from the
 * real GPT-2 ranks shipped in gpt-tokenizer (r50k_base, whose ids are GPT-2's), and must give
 * GPT-2's known ids for known strings and agree with gpt-tokenizer's own encoder.
 */
import { describe, expect, it } from 'vitest';
import ranks from 'gpt-tokenizer/bpeRanks/r50k_base';
import { encode as referenceEncode } from 'gpt-tokenizer/encoding/r50k_base';
import { tokenizerFromJson, type Tokenizer } from '@penjing/transformer';

/** GPT-2's reversible byte → printable-character map (bytes_to_unicode). */
function byteChars(): string[] {
  const printable = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  let extra = 0;
  return Array.from({ length: 256 }, (_, b) => String.fromCodePoint(printable(b) ? b : 256 + extra++));
}

/** tokenizer.json (ByteLevel BPE) from a rank list; merges: every split of each token into two tokens, by rank. */
function gpt2TokenizerJson(): unknown {
  const chars = byteChars();
  const utf8 = new TextEncoder();
  const pieces = (ranks as (string | number[])[]).map((t) => [...(typeof t === 'string' ? utf8.encode(t) : t)].map((b) => chars[b]).join(''));
  const vocab: Record<string, number> = {};
  pieces.forEach((p, i) => (vocab[p] = i));
  const merges: string[] = [];
  for (const p of pieces) {
    const cs = [...p];
    for (let k = 1; k < cs.length; k++) {
      const a = cs.slice(0, k).join('');
      const b = cs.slice(k).join('');
      if (a in vocab && b in vocab) merges.push(`${a} ${b}`);
    }
  }
  vocab['<|endoftext|>'] = 50256;
  return {
    version: '1.0',
    added_tokens: [{ id: 50256, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, vocab, merges },
  };
}

describe('GPT-2 byte-level BPE', () => {
  let tok: Tokenizer;
  it('builds from the real ranks; special ids from tokenizer_config.json', () => {
    tok = tokenizerFromJson(gpt2TokenizerJson(), { bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', tokenizer_class: 'GPT2Tokenizer' }, 'gpt2 (r50k_base ranks)');
    expect(tok.kind).toBe('generic');
    expect([tok.bosId, tok.eosId, tok.stopIds]).toEqual([50256, 50256, [50256]]);
  });

  it('gives GPT-2 ids for known strings', () => {
    expect(tok.encode('Hello, world!')).toEqual([15496, 11, 995, 0]);
    expect(tok.encode(' the')).toEqual([262]);
    expect(tok.encode('The')).toEqual([464]);
    expect(tok.decode([15496, 11, 995, 0])).toBe('Hello, world!');
  });

  it.each(['The quick brown fox jumps over the lazy dog.', "I'm don't   spaces\n\nnewlines", 'naïve café 你好 🎉', 'def f(x):\n    return x**2'])(
    'agrees with gpt-tokenizer on %j', (text) => {
      expect(tok.encode(text)).toEqual(referenceEncode(text));
      expect(tok.decode(tok.encode(text))).toBe(text);
    },
  );
});
