// Class 1: an oversized call is refused before it allocates, with a clear error, and the wasm
// backend keeps working afterwards (the same process runs a normal generation after each one).
import { describe, expect, it } from 'vitest';
import { CHILD_PRELUDE, FIXTURES, fixtureCopy, runChild } from './support.js';

describe('sizes are checked before allocating', () => {
  it('oversized generate / forward / cache calls error clearly and leave the backend usable', async () => {
    const longContext = await fixtureCopy('gemma3_text', (c) => { c.max_position_embeddings = 10_000_000; });
    const r = await runChild(`${CHILD_PRELUDE}
      const long = await gemma.GemmaTransformer.fromPretrained(${JSON.stringify(longContext)}, { quiet: true });
      const model = await gemma.GemmaTransformer.fromPretrained(${JSON.stringify(`${FIXTURES}/gemma3_text`)}, { quiet: true });
      const prompt = [2, 10, 11, 12];
      const before = await gemma.generate(model, prompt, { maxNewTokens: 6 });
      const tensors = tf.memory().numTensors;
      const out = { backend: tf.getBackend(), calls: [] };
      const huge = nx.wrap(tf.tensor2d(Array.from({ length: 8000 }, (_, i) => 3 + (i % 50)), [1, 8000], 'int32'), 'batch', 'seq');
      out.positions = await attempt(() => gemma.generate(model, prompt, { maxNewTokens: 1e6 }));
      out.calls.push(await attempt(() => gemma.generate(long, prompt, { maxNewTokens: 5e6 })));
      out.calls.push(await attempt(() => { const l = model.call(huge); l.dispose(); }));
      out.calls.push(await attempt(() => gemma.initCache(model, { batchSize: 1, cacheLength: 3e6 })));
      out.calls.push(await attempt(() => gemma.generate(long, [prompt, prompt, prompt, prompt], { maxNewTokens: 1e6 })));
      huge.dispose();
      out.leaked = tf.memory().numTensors - tensors;
      const after = await gemma.generate(model, prompt, { maxNewTokens: 6 });
      out.same = JSON.stringify(after.tokens) === JSON.stringify(before.tokens);
      out.tokens = after.tokens;
      report(out);
    `, 90_000);
    expect(r.timedOut, r.stderr).toBe(false);
    expect(r.status, r.stderr).toBe(0);
    const out = r.result as { positions: { name: string; message: string }; backend: string; calls: { ok: boolean; name: string; message: string }[]; leaked: number; same: boolean; tokens: number[] };
    expect(out.backend).toBe('wasm');
    for (const c of [out.positions, ...out.calls]) console.log(`refused: ${c.message}`);
    for (const c of out.calls) {
      expect(c.ok).toBe(false);
      expect(c.name).toBe('MemoryBudgetError');
      expect(c.message).toMatch(/needs about [\d.]+ GiB, but the wasm backend has about [\d.]+ GiB free/);
      expect(c.message).toMatch(/the backend is still usable/);
    }
    // A million new tokens on a 128-position model is refused up front (it would run for hours).
    expect(out.positions.name).toBe('GenerationError');
    expect(out.positions.message).toMatch(/needs 1000004 positions, more than the model's max_position_embeddings of 128; lower maxNewTokens \(at most 124 here\)/);
    expect(out.calls[0]!.message).toMatch(/generate with maxNewTokens 5000000 .*Lower maxNewTokens/);
    expect(out.calls[1]!.message).toMatch(/GemmaTransformer\.call on 1 × 8000 tokens/);
    expect(out.calls[2]!.message).toMatch(/KV cache of 3000000 slots/);
    expect(out.leaked).toBe(0);
    expect(out.same).toBe(true);
    expect(out.tokens.length).toBeGreaterThan(0);
  });
});
