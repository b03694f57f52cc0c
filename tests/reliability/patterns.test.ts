// Class 4 (regular expressions): patterns from tokenizer.json and adapter_config.json are
// checked before they run, so a hostile file costs milliseconds. Risky runs are in a child.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_UNBOUNDED_IN_SEQUENCE, tokenizerFromJson, TokenizerError, unsafePatternReason } from '@penjing/transformer';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CHILD_PRELUDE, runChild, tempDir } from './support.js';
import { miniTokenizerJson } from './tokenizer-fixture.js';

const HOSTILE = ['(a+)+$', '(a|aa)*b', '(a|a)*c', '(\\s*)*x', '(.*a){12}', '(a+)+(b+)+', '^(\\w+\\s?)*$', '(x)\\1', '(?<n>a)\\k<n>', 'a*a*a*b'];
/** The pre-tokeniser patterns of real tokenizers (GPT-2, Llama 3, Qwen 2, GPT-4o), which must keep working. */
const REAL = [
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  ' ', '▁', '\\s+',
];

describe('patterns from files are checked before they run', () => {
  it('refuses every hostile shape and accepts real tokenizers\' patterns', () => {
    for (const p of HOSTILE) expect(unsafePatternReason(p, null), p).toBeDefined();
    for (const p of REAL) expect(unsafePatternReason(p, null), p).toBeUndefined();
  });

  it('a tokenizer.json with a catastrophic pre-tokeniser or normaliser pattern fails in milliseconds', () => {
    for (const [where, edit] of [
      ['pre_tokenizer', (j: Record<string, unknown>) => (j.pre_tokenizer = { type: 'Split', pattern: { Regex: '(a+)+$' }, behavior: 'Isolated', invert: false })],
      ['normalizer', (j: Record<string, unknown>) => (j.normalizer = { type: 'Sequence', normalizers: [{ type: 'Replace', pattern: { Regex: '(a|aa)*b' }, content: 'x' }] })],
    ] as const) {
      const json = miniTokenizerJson();
      edit(json);
      const started = performance.now();
      expect(() => tokenizerFromJson(json, {}, 'evil/tokenizer.json')).toThrow(TokenizerError);
      expect(() => tokenizerFromJson(json, {}, 'evil/tokenizer.json')).toThrow(new RegExp(`evil/tokenizer\\.json: has an unsafe regular expression: ${where}\\..*Regex .* is refused: a repeated group contains`));
      expect(performance.now() - started).toBeLessThan(200);
    }
  });

  it('hostile files end to end, in a child process: tokenizer and adapter patterns cost milliseconds', async () => {
    const dir = await tempDir();
    const json = miniTokenizerJson();
    json.pre_tokenizer = { type: 'Split', pattern: { Regex: '^(\\w+\\s?)*$' }, behavior: 'Isolated', invert: false };
    await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(json));
    await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 2, lora_alpha: 4, target_modules: ['q_proj'], alpha_pattern: { '(a+)+$': 8 } }));
    const r = await runChild(`${CHILD_PRELUDE}
      const t0 = Date.now();
      const tok = await attempt(() => gemma.tokenizerFromFile(${JSON.stringify(dir)}));
      const adapter = await attempt(() => gemma.loadLoraAdapters({ config: {} }, ${JSON.stringify(dir)}));
      report({ tok, adapter, ms: Date.now() - t0 });
    `, 30_000);
    expect(r.timedOut, r.stderr).toBe(false);
    const out = r.result as { tok: { ok: boolean; message: string }; adapter: { ok: boolean; message: string }; ms: number };
    expect(out.tok.message).toMatch(/tokenizer\.json: has an unsafe regular expression: pre_tokenizer\.pattern\.Regex/);
    expect(out.adapter.message).toMatch(/adapter_config\.json, alpha_pattern key: the pattern "\(a\+\)\+\$" is refused/);
    expect(out.ms).toBeLessThan(3000);
  });

  it('fuzz: the check itself never throws and is fast on any string', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (p) => {
      const t0 = performance.now();
      const r = unsafePatternReason(p, 'u');
      expect(r === undefined || typeof r === 'string').toBe(true);
      expect(performance.now() - t0).toBeLessThan(50);
    }), { numRuns: 500 });
  });

  it('fuzz: every pattern the check accepts runs fast on adversarial input (child process)', async () => {
    const r = await runChild(`
      import fc from 'fast-check';
      import { unsafePatternReason } from '@penjing/transformer';
      const atom = fc.constantFrom('a', 'b', '\\\\s', '\\\\w', '[ab]', '[^b]', '.', ' ');
      const quant = fc.constantFrom('', '', '*', '+', '?', '{1,3}', '{2,}', '*?');
      const pattern = fc.letrec((tie) => ({
        node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), tie('seq'), tie('group'), tie('alt')),
        leaf: fc.tuple(atom, quant).map(([a, q]) => a + q),
        seq: fc.array(tie('node'), { minLength: 2, maxLength: 4 }).map((xs) => xs.join('')),
        group: fc.tuple(tie('node'), quant).map(([x, q]) => '(?:' + x + ')' + q),
        alt: fc.tuple(tie('node'), tie('node'), quant).map(([x, y, q]) => '(' + x + '|' + y + ')' + q),
      })).node;
      const inputs = ['a'.repeat(28) + '!', ' '.repeat(28) + '!', 'ab'.repeat(14) + '!', 'a b '.repeat(7) + 'c'];
      let accepted = 0, refused = 0, worst = 0, worstPattern = '';
      fc.assert(fc.property(pattern, (p) => {
        if (unsafePatternReason(p, 'u') !== undefined) { refused++; return; }
        accepted++;
        const re = new RegExp(p, 'u');
        for (const s of inputs) {
          const t0 = performance.now();
          re.test(s);
          const ms = performance.now() - t0;
          if (ms > worst) { worst = ms; worstPattern = p; }
          if (ms > 100) throw new Error('accepted pattern ' + p + ' took ' + ms + ' ms on ' + JSON.stringify(s));
        }
      }), { numRuns: 400, seed: 16 });
      console.log(JSON.stringify({ accepted, refused, worst, worstPattern }));
    `, 60_000);
    expect(r.timedOut, 'an accepted pattern hung').toBe(false);
    expect(r.status, r.stderr).toBe(0);
    const out = r.result as { accepted: number; refused: number; worst: number };
    console.log(`pattern fuzz: ${out.accepted} accepted, ${out.refused} refused, slowest accepted match ${out.worst.toFixed(2)} ms`);
    expect(out.accepted).toBeGreaterThan(50);
    expect(out.refused).toBeGreaterThan(20);
    expect(MAX_UNBOUNDED_IN_SEQUENCE).toBe(2);
  });
});
