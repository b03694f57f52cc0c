// Classes 3 and 6: huge or overflowing config values fail fast naming the key; non-finite
// weights are reported at load naming the tensor; a NaN row stops generation naming the step.
// Fuzzing (fast-check) mutates config.json values and safetensors header JSON: every outcome
// is a load or one of the documented errors, in bounded time (in a child process).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';
import { bindParameters, disposeTree, parameters } from '@penjing/layers';
import { GemmaTransformer, generate, LABELS, loadLoraAdapters } from '@penjing/gemma';
import { NonFiniteLogitsError, sample } from '@penjing/transformer';
import { CHILD_PRELUDE, FIXTURES, fixtureCopy, runChild, tempDir } from './support.js';

describe('huge config values are refused before anything is built (class 3)', () => {
  it('num_hidden_layers 1e6, 1e9, 1e12 and huge widths fail in well under a second each (child process)', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['num_hidden_layers', { num_hidden_layers: 1e6 }],
      ['num_hidden_layers', { num_hidden_layers: 1e9 }],
      ['num_hidden_layers', { num_hidden_layers: 1e12 }],
      ['num_hidden_layers', { num_hidden_layers: 5, layer_types: undefined }],
      ['hidden_size', { hidden_size: 1e9 }],
      ['intermediate_size', { intermediate_size: 1e12 }],
      ['vocab_size', { vocab_size: 2 ** 40 }],
      ['num_attention_heads', { num_attention_heads: 1e6, num_key_value_heads: 1e6 }],
    ];
    const dirs = await Promise.all(cases.map(([, edit]) => fixtureCopy('gemma3_text', (c) => Object.assign(c, edit))));
    const r = await runChild(`${CHILD_PRELUDE}
      const out = [];
      for (const dir of ${JSON.stringify(dirs)}) {
        const t0 = Date.now();
        out.push({ ...(await attempt(() => gemma.GemmaTransformer.fromPretrained(dir, { quiet: true }))), ms: Date.now() - t0 });
      }
      report(out);
    `, 60_000);
    expect(r.timedOut, r.stderr).toBe(false);
    const out = r.result as { ok: boolean; name: string; message: string; ms: number }[];
    out.forEach((o, i) => {
      const key = cases[i]![0];
      expect(o.ok, key).toBe(false);
      expect(['GemmaConfigError', 'CheckpointError'], o.message).toContain(o.name);
      expect(o.message).toContain(key);
      expect(o.ms, key).toBeLessThan(1000);
    });
    expect(out[1]!.message).toMatch(/num_hidden_layers: is 1000000000; no Gemma has more than 10000 layers/);
    expect(out[3]!.message).toMatch(/num_hidden_layers is 5, but the checkpoint has tensors for 4 layers/);
  });
});

describe('values that overflow float32 and non-finite weights (class 6)', () => {
  it('config values beyond float32 are refused naming the key', async () => {
    for (const [key, value, named] of [
      ['final_logit_softcapping', 1e308, 'final_logit_softcapping'],
      ['attn_logit_softcapping', 1e39, 'attn_logit_softcapping'],
      ['rope_theta', 1e39, 'rope_theta'],
      ['query_pre_attn_scalar', 1e300, 'query_pre_attn_scalar'],
    ] as const) {
      const dir = await fixtureCopy('gemma3_text', (c) => (c[key] = value));
      await expect(GemmaTransformer.fromPretrained(dir, { quiet: true })).rejects.toThrow(new RegExp(`${named}.*beyond float32's range`));
    }
    const adapter = await tempDir();
    await writeFile(join(adapter, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 4, lora_alpha: 1e39 }));
    await expect(loadLoraAdapters({ config: {} } as never, adapter)).rejects.toThrow(/adapter_config\.json: lora_alpha is 1e\+39, beyond float32's range/);
    await writeFile(join(adapter, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 4, lora_alpha: 8, alpha_pattern: { q_proj: -1e40 } }));
    await expect(loadLoraAdapters({ config: {} } as never, adapter)).rejects.toThrow(/alpha_pattern\["q_proj"\] is -1e\+40, beyond float32's range/);
  });

  it('a NaN or Infinity weight is reported at load, naming the tensor', async () => {
    for (const bad of [NaN, Infinity]) {
      const dir = await fixtureCopy('gemma3_text');
      const file = join(dir, 'model.safetensors');
      const bytes = new Uint8Array(await readFile(file));
      const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, { dtype: string; data_offsets: [number, number] }>;
      const name = 'model.layers.2.mlp.up_proj.weight';
      expect(header[name]!.dtype).toBe('F32');
      new DataView(bytes.buffer).setFloat32(8 + headerLength + header[name]!.data_offsets[0] + 4 * 5, bad, true);
      await writeFile(file, bytes);
      await expect(GemmaTransformer.fromPretrained(dir, { quiet: true })).rejects.toThrow(
        new RegExp(`model\\.safetensors, tensor "${name.replace(/\./g, '\\.')}": element 5 is ${bad}; a weight must be finite`));
    }
  });

  it('the sampler refuses a NaN row; generate stops with an error naming the step and emits nothing from it', async () => {
    await nx.ready();
    const logits = tf.tensor2d([[0, 1, 2], [NaN, 0, 1]]);
    await expect(sample(logits, {})).rejects.toThrow(NonFiniteLogitsError);
    await expect(sample(logits, { topK: 2 })).rejects.toThrow(/logits row 1 holds NaN or \+Infinity/);
    logits.dispose();

    const healthy = await GemmaTransformer.fromPretrained(join(FIXTURES, 'gemma3_text'), { quiet: true });
    const values = new Map(parameters(healthy).map((p) => [p.label, p.parameter.value]));
    const norm = LABELS.finalNorm;
    const poisoned = nx.full(values.get(norm)!.namedShape as Record<string, number>, NaN);
    const broken = bindParameters(GemmaTransformer.fromConfig(healthy.config, { seed: null }), new Map([...values, [norm, poisoned]]));
    const tensors = tf.memory().numTensors;
    const chunks: number[] = [];
    const err = await generate(broken, [2, 10, 11], { maxNewTokens: 4 }).catch((e: unknown) => e);
    expect(String(err)).toMatch(/GenerationError: step 0: the model's logits for prompt 0 are NaN or \+Infinity, so generation stopped/);
    expect(chunks).toEqual([]);
    expect(tf.memory().numTensors).toBe(tensors);
    poisoned.dispose();
    disposeTree(healthy);
  });
});

describe('fuzzing config.json and safetensors headers (child process)', () => {
  it('every mutated config.json loads or fails with a config/checkpoint error, fast', async () => {
    const r = await runChild(`${CHILD_PRELUDE}
      import fc from 'fast-check';
      import { mkdtempSync, cpSync, writeFileSync, readFileSync } from 'node:fs';
      import { tmpdir } from 'node:os';
      import { join } from 'node:path';
      const src = ${JSON.stringify(join(FIXTURES, 'gemma3_text'))};
      const base = JSON.parse(readFileSync(join(src, 'config.json'), 'utf8'));
      const dir = mkdtempSync(join(tmpdir(), 'penjing-fuzz-'));
      cpSync(join(src, 'model.safetensors'), join(dir, 'model.safetensors'));
      const value = fc.oneof(
        fc.constantFrom(0, -1, 1, 2, 3, 1e6, 1e9, 1e12, 1e39, 1e308, -1e308, 0.5, 2 ** 31, 2 ** 53, null, true, '', 'x', [], {}, [1, 2]),
        fc.double(), fc.integer(), fc.string({ maxLength: 8 }));
      const key = fc.constantFrom(...Object.keys(base), 'layer_types', 'rope_scaling');
      let loaded = 0, refused = 0, worst = 0;
      const known = new Set(['GemmaConfigError', 'CheckpointError']);
      await fc.assert(fc.asyncProperty(fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }), async (edits) => {
        const config = { ...base };
        for (const [k, v] of edits) config[k] = v;
        writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
        const t0 = Date.now();
        const r = await attempt(async () => { const m = await gemma.GemmaTransformer.fromPretrained(dir, { quiet: true }); (await import('@penjing/layers')).disposeTree(m); });
        worst = Math.max(worst, Date.now() - t0);
        if (r.ok) loaded++; else if (known.has(r.name)) refused++;
        else throw new Error('unexpected ' + r.name + ': ' + r.message + ' for ' + JSON.stringify(edits));
        if (Date.now() - t0 > 3000) throw new Error('slow: ' + JSON.stringify(edits));
      }), { numRuns: 60, seed: 16 });
      report({ loaded, refused, worst });
    `, 110_000);
    expect(r.timedOut, r.stderr.slice(-2000)).toBe(false);
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const out = r.result as { loaded: number; refused: number; worst: number };
    console.log(`config fuzz: ${out.loaded} loaded, ${out.refused} refused, slowest ${out.worst} ms`);
    expect(out.refused).toBeGreaterThan(10);
  });

  it('every mutated safetensors header is read or refused with a SafetensorsError, fast', async () => {
    const r = await runChild(`${CHILD_PRELUDE}
      import fc from 'fast-check';
      import { mkdtempSync, writeFileSync } from 'node:fs';
      import { tmpdir } from 'node:os';
      import { join } from 'node:path';
      const dir = mkdtempSync(join(tmpdir(), 'penjing-hdr-'));
      const file = join(dir, 'x.safetensors');
      const value = fc.oneof(fc.constantFrom('F32', 'BF16', 'I64', 'F8_E4M3', 'bogus', null, -1, 0, 8, 16, 2 ** 53, 1e308, [], [0], [0, 8], [2, 2], [8, 0], [0, 2 ** 60], {}, '__proto__'), fc.jsonValue({ maxDepth: 2 }));
      const field = fc.constantFrom('dtype', 'shape', 'data_offsets', 'extra', '__metadata__');
      let read = 0, refused = 0;
      await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('a', 'b', '__metadata__', '__proto__'), field, value), { maxLength: 3 }), async (edits) => {
        const header = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2, 2], data_offsets: [8, 24] } };
        for (const [t, f, v] of edits) { const o = header[t] && typeof header[t] === 'object' ? header[t] : (header[t] = {}); o[f] = v; }
        const json = new TextEncoder().encode(JSON.stringify(header));
        const bytes = new Uint8Array(8 + json.length + 24);
        new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
        bytes.set(json, 8);
        writeFileSync(file, bytes);
        const r = await attempt(async () => { const f = await io.openSafetensors(file); try { for (const n of f.names) await f.read(n); } finally { await f.close(); } });
        if (r.ok) read++; else if (r.name === 'SafetensorsError') refused++;
        else throw new Error('unexpected ' + r.name + ': ' + r.message + ' for ' + JSON.stringify(edits));
      }), { numRuns: 300, seed: 16 });
      report({ read, refused });
    `, 60_000);
    expect(r.timedOut, r.stderr.slice(-2000)).toBe(false);
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const out = r.result as { read: number; refused: number };
    expect(out.refused).toBeGreaterThan(50);
    expect(out.read).toBeGreaterThanOrEqual(3);
  });
});
