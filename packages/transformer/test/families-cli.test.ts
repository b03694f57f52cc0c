/**
 * The `penjing` CLI on non-Gemma checkpoints (in-process `main`): `inspect` describes a GPT-2
 * checkpoint through its family, `generate` streams text with the checkpoint's own
 * tokenizer.json, and a checkpoint without one is refused instead of getting Gemma's vocabulary.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';
import { main } from '@penjing/transformer/cli';

const FIXTURES = join(__dirname, '../../../tests/fixtures/families');
const scratch = mkdtempSync(join(tmpdir(), 'penjing-families-cli-'));

function capture() {
  let out = '';
  let err = '';
  return { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, out: () => out, err: () => err };
}

/** A character-level BPE vocabulary of the fixture's 51 ids (id 50 = <|endoftext|>), for a smoke test of the CLI path only. */
function charTokenizer(): { json: unknown; config: unknown } {
  const chars = ' abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV'.split('');
  const vocab = Object.fromEntries(chars.map((c, i) => [c, i]));
  vocab['<|endoftext|>'] = 50;
  return {
    json: {
      version: '1.0', added_tokens: [{ id: 50, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
      normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null,
      model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, vocab, merges: [] },
    },
    config: { bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', tokenizer_class: 'GPT2Tokenizer' },
  };
}

let withTok: string;
let withoutTok: string;
beforeAll(async () => {
  await nx.ready();
  withTok = join(scratch, 'gpt2');
  withoutTok = join(scratch, 'gpt2-no-tokenizer');
  cpSync(join(FIXTURES, 'gpt2_bare'), withTok, { recursive: true });
  cpSync(join(FIXTURES, 'gpt2_bare'), withoutTok, { recursive: true });
  const { json, config } = charTokenizer();
  writeFileSync(join(withTok, 'tokenizer.json'), JSON.stringify(json));
  writeFileSync(join(withTok, 'tokenizer_config.json'), JSON.stringify(config));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('penjing CLI with other families', () => {
  it('inspect describes a GPT-2 checkpoint', async () => {
    const io = capture();
    expect(await main(['inspect', '--model', withTok], io)).toBe(0);
    expect(io.out()).toContain('gpt2: 2 layers');
  });

  it('generate streams text with the checkpoint tokenizer', async () => {
    const io = capture();
    const code = await main(['generate', '--model', withTok, '--prompt', 'hello', '--max-tokens', '5', '--temperature', '0', '--quiet'], io);
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    expect(io.out().trim().length).toBeGreaterThan(0);
  });

  it('refuses a non-Gemma checkpoint without tokenizer.json', async () => {
    const io = capture();
    const code = await main(['generate', '--model', withoutTok, '--prompt', 'hello', '--max-tokens', '2'], io);
    expect(code).not.toBe(0);
    expect(io.err()).toMatch(/has no tokenizer\.json, which a gpt2 checkpoint needs/);
  });
});
