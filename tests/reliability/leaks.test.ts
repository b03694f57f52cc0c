// Class 8: no tensor leaks on error paths. Targeted cases for the failures the issue found, then
// a sweep (in a child process, each call with a deadline) that calls every exported function and
// class of the model packages with wrong arguments and checks that each one that throws leaves
// tf.memory().numTensors unchanged.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';
import { disposeTree } from '@penjing/layers';
import { writeSafetensors } from '@penjing/io/node';
import { GemmaTransformer, generate, generateStream, initCache, loadLoraAdapters, saveSafetensors, toCachingModel } from '@penjing/gemma';
import { sample, sampleSync } from '@penjing/transformer';
import { CHILD_PRELUDE, FIXTURES, fixtureCopy, runChild, tempDir } from './support.js';

let model: GemmaTransformer;
const prompt = [2, 10, 11, 12];

beforeAll(async () => {
  await nx.ready();
  model = await GemmaTransformer.fromPretrained(join(FIXTURES, 'gemma3_text'), { quiet: true });
});
afterAll(() => disposeTree(model));

async function leaksNothing(what: string, f: () => unknown): Promise<void> {
  const before = tf.memory().numTensors;
  let threw = false;
  try {
    await f();
  } catch {
    threw = true;
  }
  expect(threw, `${what} should fail`).toBe(true);
  expect(tf.memory().numTensors, `${what} leaked tensors`).toBe(before);
}

/** An adapter whose first module is fine and whose second has a NaN: the first's factors must be freed. */
async function halfBadAdapter(): Promise<string> {
  const dir = await tempDir();
  const p = (m: string) => `base_model.model.model.layers.0.self_attn.${m}`;
  await writeSafetensors(join(dir, 'adapter_model.safetensors'), {
    [`${p('q_proj')}.lora_A.weight`]: { dtype: 'F32', shape: [2, 32], data: new Float32Array(64) },
    [`${p('q_proj')}.lora_B.weight`]: { dtype: 'F32', shape: [32, 2], data: new Float32Array(64) },
    [`${p('k_proj')}.lora_A.weight`]: { dtype: 'F32', shape: [2, 32], data: new Float32Array(64) },
    [`${p('k_proj')}.lora_B.weight`]: { dtype: 'F32', shape: [16, 2], data: new Float32Array(32).fill(NaN) },
  });
  await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 2, lora_alpha: 4, target_modules: ['q_proj', 'k_proj'] }));
  return dir;
}

describe('failing calls free what they made (targeted)', () => {
  it('generate: invalid seeds, throwing progress callbacks, bad options', async () => {
    for (const seed of [-1, 1.5, NaN, 2 ** 60]) await leaksNothing(`seed ${seed}`, () => generate(model, prompt, { seed, maxNewTokens: 2 }));
    await leaksNothing('progress throwing in prefill', () => generate(model, prompt, { maxNewTokens: 3, onProgress: () => { throw new Error('boom'); } }));
    let calls = 0;
    await leaksNothing('progress throwing at decode step 2', () => generate(model, prompt, {
      maxNewTokens: 5, onProgress: (p) => { if (p.phase === 'decode' && ++calls === 2) throw new Error('boom'); },
    }));
    await leaksNothing('maxNewTokens 0', () => generate(model, prompt, { maxNewTokens: 0 }));
    await leaksNothing('out-of-vocabulary prompt', () => generate(model, [2, 10_000]));
    await leaksNothing('topP 0', () => generate(model, prompt, { topP: 0 }));
    // Leaving a stream early is not an error, and frees everything too.
    const before = tf.memory().numTensors;
    for await (const chunk of generateStream(model, prompt, { maxNewTokens: 5 })) if (chunk.step >= 1) break;
    expect(tf.memory().numTensors).toBe(before);
  });

  it('adapters, checkpoints, caches, samplers and nx.fromArray', async () => {
    await leaksNothing('an adapter failing on its second module', async () => loadLoraAdapters(model, await halfBadAdapter()));
    const lastBad = await fixtureCopy('gemma3_text');
    const { readFile } = await import('node:fs/promises');
    const file = join(lastBad, 'model.safetensors');
    const bytes = new Uint8Array(await readFile(file));
    new DataView(bytes.buffer).setFloat32(bytes.length - 4, NaN, true); // the last tensor's last element
    await writeFile(file, bytes);
    await leaksNothing('a load failing on the last tensor', () => GemmaTransformer.fromPretrained(lastBad, { quiet: true }));
    let calls = 0;
    const out = join(await tempDir(), 'save');
    await leaksNothing('a save failing midway', () => saveSafetensors(model, out, { maxShardBytes: 30_000, progress: () => { if (++calls === 4) throw new Error('boom'); } }));
    await leaksNothing('nx.fromArray with mismatched names', () => nx.fromArray([[1, 2, 3]], ['only']));
    await leaksNothing('nx.fromArray with a repeated name', () => nx.fromArray([[1, 2, 3]], ['a', 'a']));
    const tokens = nx.wrap(tf.tensor2d([[2, 5000]], [1, 2], 'int32'), 'batch', 'seq');
    await leaksNothing('a forward on an out-of-vocabulary token', () => model.call(tokens));
    tokens.dispose();
    const lm = toCachingModel(model);
    const cache = initCache(lm, { batchSize: 2, cacheLength: 8 });
    const one = nx.wrap(tf.tensor2d([[2]], [1, 1], 'int32'), 'batch', 'seq');
    await leaksNothing('a step with a cache of another batch size', () => lm.step(one, cache));
    one.dispose();
    cache.dispose();
    await leaksNothing('initCache with an unknown mode', () => initCache(lm, { cacheLength: 8, slidingWindowCache: 'bogus' as never }));
    const nan = tf.tensor2d([[NaN, 1]]);
    await leaksNothing('sample on a NaN row', () => sample(nan as tf.Tensor2D, { topP: 0.9, temperature: 1 }));
    await leaksNothing('sampleSync on a NaN row', () => sampleSync(nan as tf.Tensor2D, {}));
    nan.dispose();
  });
});

describe('sweep: every exported function and class, called wrongly, leaks nothing when it throws', () => {
  it('(child process, each call with a deadline)', async () => {
    const scratch = await tempDir(); // calls that succeed may write there (e.g. a save to 'nowhere')
    const r = await runChild(`${CHILD_PRELUDE}
      import * as layers from '@penjing/layers';
      import * as interp from '@penjing/interp';
      const model = await gemma.GemmaTransformer.fromPretrained(${JSON.stringify(join(FIXTURES, 'gemma3_text'))}, { quiet: true });
      const tokens = nx.wrap(tf.tensor2d([[2, 10, 11]], [1, 3], 'int32'), 'batch', 'seq');
      const BAD = [[], [null], [undefined, null], [{}], ['', -1], [NaN, 'bogus'], [model, null], [model, ${JSON.stringify(join(scratch, 'nowhere'))}, { bogus: true }], [tokens, 5], [model, [2, 1e9]], [[1, 2], ['x']]];
      const SKIP = new Set(['ready', 'main', 'loadTokenizer', 'gemma3Tokenizer', 'trainLora', 'generate', 'generateStream']);
      const modules = { gemma, transformer, io, interp, layers };
      const leaks = [], hangs = [];
      let calls = 0, threw = 0;
      const deadline = (p) => Promise.race([p, new Promise((_, no) => setTimeout(() => no(Object.assign(new Error('deadline'), { deadline: true })), 5000))]);
      const seen = new Set();
      for (const [mod, exports] of Object.entries(modules)) {
        for (const [name, f] of Object.entries(exports)) {
          if (typeof f !== 'function' || SKIP.has(name) || seen.has(f)) continue;
          seen.add(f);
          const isClass = /^class\\b/.test(Function.prototype.toString.call(f));
          for (const args of BAD) {
            const before = tf.memory().numTensors;
            calls++;
            try {
              const v = isClass ? new f(...args) : f(...args);
              if (v && typeof v.then === 'function') await deadline(v);
            } catch (e) {
              if (e?.deadline) { hangs.push(mod + '.' + name); break; }
              threw++;
              const after = tf.memory().numTensors;
              if (after !== before) leaks.push(mod + '.' + name + '(' + args.map((a) => a === model ? 'model' : a === tokens ? 'tokens' : JSON.stringify(a)).join(', ') + '): ' + (after - before) + ' tensors; ' + String(e?.message).slice(0, 120));
            }
          }
        }
      }
      report({ calls, threw, leaks, hangs });
    `, 110_000);
    expect(r.timedOut, r.stderr.slice(-2000)).toBe(false);
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const out = r.result as { calls: number; threw: number; leaks: string[]; hangs: string[] };
    console.log(`leak sweep: ${out.calls} calls, ${out.threw} threw, ${out.leaks.length} leaked, ${out.hangs.length} hung`);
    expect(out.hangs).toEqual([]);
    expect(out.leaks).toEqual([]);
    expect(out.calls).toBeGreaterThan(1000);
    expect(out.threw).toBeGreaterThan(500);
  });
});
