// fast-check fuzzing of the files and arguments users hand over: PEFT adapters (config values,
// factor dtypes and shapes), tokenizer.json (patterns, vocabularies, normalisers) and generate's
// options. Each property runs in a child process with a deadline: every outcome is a result or
// a documented error, in bounded time, without leaked tensors.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHILD_PRELUDE, FIXTURES, runChild } from './support.js';
import { miniTokenizerJson } from './tokenizer-fixture.js';

describe('fuzzing adapters, tokenizers and generate options (child processes)', () => {
  it('PEFT adapters: every mutated adapter loads or is refused with a clear error, fast and leak-free', async () => {
    const r = await runChild(`${CHILD_PRELUDE}
      import fc from 'fast-check';
      import { mkdtempSync, writeFileSync } from 'node:fs';
      import { tmpdir } from 'node:os';
      import { join } from 'node:path';
      const model = await gemma.GemmaTransformer.fromPretrained(${JSON.stringify(join(FIXTURES, 'gemma3_text'))}, { quiet: true });
      const dir = mkdtempSync(join(tmpdir(), 'penjing-adapter-'));
      const num = fc.oneof(fc.constantFrom(0, -1, 1, 2, 3, 8, 1e39, -1e40, 2 ** 53, 0.5), fc.double(), fc.integer({ min: -4, max: 16 }));
      const key = fc.oneof(fc.constantFrom('q_proj', 'layers.0.self_attn.q_proj', '(a+)+$', '(x|xx)*y', '[', '.*', 'q_proj|k_proj', '(q)\\\\1'), fc.string({ maxLength: 12 }));
      const config = fc.record({
        peft_type: fc.constantFrom('LORA', 'LORA', 'LORA', 'IA3', null),
        r: fc.oneof(num, fc.constant(undefined)),
        lora_alpha: fc.oneof(num, fc.constant('8')),
        alpha_pattern: fc.oneof(fc.constant(undefined), fc.dictionary(key, num, { maxKeys: 3 })),
        rank_pattern: fc.oneof(fc.constant(undefined), fc.dictionary(key, num, { maxKeys: 3 })),
        use_rslora: fc.boolean(),
      }, { requiredKeys: ['peft_type', 'lora_alpha'] });
      const factor = fc.record({
        dtype: fc.constantFrom('F32', 'F32', 'BF16', 'F16', 'I32', 'U8'),
        rank: fc.integer({ min: 0, max: 4 }),
        otherRank: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
        fill: fc.constantFrom(0.01, 0, NaN, Infinity, 1e30),
      });
      const KNOWN = new Set(['RangeError', 'SafetensorsError', 'FileError', 'LayerError']);
      let loaded = 0, refused = 0, worst = 0;
      await fc.assert(fc.asyncProperty(config, factor, async (cfg, f) => {
        const rankB = f.otherRank ?? f.rank;
        const p = 'base_model.model.model.layers.0.self_attn.q_proj';
        const fill = f.dtype === 'I32' || f.dtype === 'U8' ? 1 : f.fill;
        await io.writeSafetensors(join(dir, 'adapter_model.safetensors'), {
          [p + '.lora_A.weight']: { dtype: f.dtype, shape: [f.rank, 32], data: new Array(f.rank * 32).fill(fill) },
          [p + '.lora_B.weight']: { dtype: f.dtype, shape: [32, rankB], data: new Array(32 * rankB).fill(fill) },
        }).catch(() => {});
        writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ target_modules: ['q_proj'], ...cfg }));
        const before = tf.memory().numTensors;
        const t0 = Date.now();
        const out = await attempt(() => gemma.loadLoraAdapters(model, dir));
        worst = Math.max(worst, Date.now() - t0);
        if (Date.now() - t0 > 2000) throw new Error('slow: ' + JSON.stringify([cfg, f]));
        if (out.ok) { loaded++; return; }
        if (!KNOWN.has(out.name)) throw new Error('unexpected ' + out.name + ': ' + out.message + ' for ' + JSON.stringify([cfg, f]));
        if (tf.memory().numTensors !== before) throw new Error('leak after: ' + out.message);
        refused++;
      }), { numRuns: 150, seed: 16 });
      report({ loaded, refused, worst });
    `, 100_000);
    expect(r.timedOut, r.stderr.slice(-2000)).toBe(false);
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const out = r.result as { loaded: number; refused: number };
    expect(out.refused).toBeGreaterThan(30);
    expect(out.loaded).toBeGreaterThanOrEqual(1);
  });

  it('tokenizer.json: every mutated file builds a tokenizer that encodes fast, or is refused with a TokenizerError', async () => {
    const r = await runChild(`${CHILD_PRELUDE}
      import fc from 'fast-check';
      const base = ${JSON.stringify(miniTokenizerJson())};
      const atom = fc.constantFrom('a', 'h', '\\\\s', '\\\\w', '[ab]', '.', ' ', '\\\\p{L}');
      const quant = fc.constantFrom('', '', '*', '+', '?', '{1,3}', '{2,}');
      const pattern = fc.letrec((tie) => ({
        node: fc.oneof({ depthSize: 'small' }, tie('leaf'), tie('seq'), tie('group'), tie('alt')),
        leaf: fc.tuple(atom, quant).map(([a, q]) => a + q),
        seq: fc.array(tie('node'), { minLength: 2, maxLength: 3 }).map((xs) => xs.join('')),
        group: fc.tuple(tie('node'), quant).map(([x, q]) => '(?:' + x + ')' + q),
        alt: fc.tuple(tie('node'), tie('node'), quant).map(([x, y, q]) => '(' + x + '|' + y + ')' + q),
      })).node;
      const edit = fc.oneof(
        pattern.map((p) => (j) => { j.pre_tokenizer = { type: 'Split', pattern: { Regex: p }, behavior: 'Isolated', invert: false }; }),
        pattern.map((p) => (j) => { j.normalizer = { type: 'Replace', pattern: { Regex: p }, content: 'h' }; }),
        fc.jsonValue({ maxDepth: 2 }).map((v) => (j) => { j.model.vocab = v; }),
        fc.tuple(fc.constantFrom('<bos>', '<pad>', 'h', 'zz'), fc.oneof(fc.integer({ min: -2, max: 200 }), fc.double(), fc.constant(null))).map(([k, v]) => (j) => { if (j.model.vocab && typeof j.model.vocab === 'object') j.model.vocab[k] = v; }),
        fc.jsonValue({ maxDepth: 2 }).map((v) => (j) => { j.normalizer = v; }),
        fc.jsonValue({ maxDepth: 2 }).map((v) => (j) => { j.added_tokens = v; }),
      );
      const text = 'hi ha '.repeat(30) + 'a'.repeat(40) + '!';
      let built = 0, refused = 0, worst = 0;
      fc.assert(fc.property(fc.array(edit, { minLength: 1, maxLength: 2 }), (edits) => {
        const json = structuredClone(base);
        for (const e of edits) e(json);
        const t0 = Date.now();
        let tok;
        try { tok = transformer.tokenizerFromJson(json, {}, 'fuzz/tokenizer.json'); }
        catch (e) {
          if (e?.name !== 'TokenizerError' || !String(e.message).startsWith('fuzz/tokenizer.json: ')) throw new Error('unexpected ' + e?.name + ': ' + e?.message);
          refused++; return;
        }
        try { tok.encode(text); } catch (e) { if (e?.name !== 'TokenizerError') throw e; }
        const ms = Date.now() - t0;
        worst = Math.max(worst, ms);
        if (ms > 1000) throw new Error('slow (' + ms + ' ms): ' + JSON.stringify(json.pre_tokenizer ?? json.normalizer));
        built++;
      }), { numRuns: 250, seed: 16 });
      report({ built, refused, worst });
    `, 100_000);
    expect(r.timedOut, 'a tokenizer hung').toBe(false);
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const out = r.result as { built: number; refused: number };
    expect(out.built).toBeGreaterThan(10);
    expect(out.refused).toBeGreaterThan(10);
  });

  it('generate options: any mix of values runs or is refused with a named option, leak-free', async () => {
    const r = await runChild(`${CHILD_PRELUDE}
      import fc from 'fast-check';
      const model = await gemma.GemmaTransformer.fromPretrained(${JSON.stringify(join(FIXTURES, 'gemma3_text'))}, { quiet: true });
      const any = fc.oneof(fc.constantFrom(undefined, null, 0, -1, 1, 2, 0.5, NaN, Infinity, 1e9, 'x', [], [1], {}, true), fc.integer({ min: -3, max: 70 }), fc.double());
      const mostly = (valid) => fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: any });
      const options = fc.record({
        maxNewTokens: mostly(fc.integer({ min: 1, max: 6 })), seed: mostly(fc.integer({ min: 0, max: 1000 })),
        temperature: mostly(fc.double({ min: 0, max: 2, noNaN: true })), topK: mostly(fc.integer({ min: 1, max: 10 })),
        topP: mostly(fc.double({ min: 0.05, max: 1, noNaN: true })), stopIds: mostly(fc.array(fc.integer({ min: 0, max: 63 }), { maxLength: 3 })),
        cacheLength: mostly(fc.constant(undefined)), prefillChunkSize: mostly(fc.integer({ min: 1, max: 8 })),
        slidingWindowCache: mostly(fc.constantFrom('full', 'window', 'bogus')), forbiddenIds: mostly(fc.array(fc.integer({ min: 0, max: 63 }), { maxLength: 3 })),
      }, { requiredKeys: [] });
      const prompt = fc.oneof(fc.constantFrom([2, 10, 11], 'text', null, undefined, [], [[]], [2, 1e9], [2, -1], [2, 1.5], 5), fc.array(fc.integer({ min: 0, max: 63 }), { minLength: 1, maxLength: 8 }));
      const KNOWN = new Set(['GenerationError', 'SamplingOptionsError', 'RangeError', 'MemoryBudgetError', 'LayerError']);
      let ran = 0, refused = 0;
      await fc.assert(fc.asyncProperty(prompt, options, async (p, o) => {
        const before = tf.memory().numTensors;
        const t0 = Date.now();
        const out = await attempt(() => gemma.generate(model, p, { ...o, maxNewTokens: typeof o.maxNewTokens === 'number' && o.maxNewTokens > 8 && o.maxNewTokens < 1e6 ? 8 : o.maxNewTokens }));
        if (Date.now() - t0 > 5000) throw new Error('slow: ' + JSON.stringify([p, o]));
        if (tf.memory().numTensors !== before) throw new Error('leak: ' + JSON.stringify([p, o, out]));
        if (out.ok) { ran++; return; }
        if (!KNOWN.has(out.name)) throw new Error('unexpected ' + out.name + ': ' + out.message + ' for ' + JSON.stringify([p, o]));
        refused++;
      }), { numRuns: 150, seed: 16 });
      report({ ran, refused });
    `, 100_000);
    expect(r.timedOut, r.stderr.slice(-2000)).toBe(false);
    expect(r.status, r.stderr.slice(-3000)).toBe(0);
    const out = r.result as { ran: number; refused: number };
    expect(out.refused).toBeGreaterThan(20);
    expect(out.ran).toBeGreaterThan(10);
  });
});
