/**
 * The jit bench's reference engine is ONNX Runtime running graphs that
 * scripts/gemma_onnx_export.py exports from its own float32 torch Gemma 3. For the bench to
 * compare equal work, that torch model, its prefill graphs and its decode graph with a KV cache
 * must compute what Penjing eager computes: checked here on two small Gemma 3 fixtures (f32;
 * bf16 sharded with batch 2), to 1e-5 relative. Needs Debian's python3-torch
 * (`bash scripts/install-system-deps.sh --reference`); skipped with a note when absent.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { disposeTree } from '@penjing/layers';
import { GemmaTransformer } from '@penjing/gemma';

const ROOT = join(__dirname, '..');
const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (!hasTorch) console.warn(`torch-onnx-reference: skipped, ${PYTHON} has no torch (bash scripts/install-system-deps.sh --reference)`);

const tmp = mkdtempSync(join(tmpdir(), 'penjing-torch-onnx-'));
beforeAll(async () => {
  await nx.ready();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** max |a − b| / max |b|. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0, scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

describe.skipIf(!hasTorch)('torch → ONNX reference graphs equal Penjing eager', () => {
  it.each(['gemma3_text', 'gemma3_bf16_sharded'])('%s: torch logits, ORT prefill, last-only and step-by-step decode', async (fixture) => {
    const ckpt = join(ROOT, 'tests/fixtures/gemma', fixture);
    const tokens: number[][] = JSON.parse(readFileSync(join(ckpt, 'reference.json'), 'utf8')).tokens;
    const [B, T] = [tokens.length, tokens[0].length];
    const out = join(tmp, fixture);
    writeFileSync(join(tmp, `${fixture}.tokens.json`), JSON.stringify({ tokens }));
    const run = spawnSync(PYTHON, [join(ROOT, 'scripts/gemma_onnx_export.py'), ckpt, out, '--check', join(tmp, `${fixture}.tokens.json`)], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);

    const model = await GemmaTransformer.fromPretrained(ckpt, { quiet: true });
    const ids = nx.wrap(tf.tensor2d(tokens.flat(), [B, T], 'int32')).tag('batch', 'seq');
    const logits = model.call(ids);
    const eager = logits.unwrap('batch', 'seq', 'vocabulary').dataSync() as Float32Array;
    const V = eager.length / (B * T);
    logits.dispose();
    ids.dispose();
    disposeTree(model);

    const torchLogits: number[] = JSON.parse(readFileSync(join(out, 'check.json'), 'utf8')).logits;
    expect(relativeError(torchLogits, eager)).toBeLessThan(1e-5);

    const input = new ort.Tensor('int64', BigInt64Array.from(tokens.flat(), BigInt), [B, T]);
    const prefill = await ort.InferenceSession.create(join(out, 'prefill.onnx'));
    const all = (await prefill.run({ input_ids: input })).logits;
    expect(all.dims).toEqual([B, T, V]);
    expect(relativeError(all.data as Float32Array, eager)).toBeLessThan(1e-5);
    await prefill.release();

    const lastSession = await ort.InferenceSession.create(join(out, 'prefill_last.onnx'));
    const last = (await lastSession.run({ input_ids: input })).logits;
    expect(last.dims).toEqual([B, 1, V]);
    const eagerLast = Float32Array.from({ length: B * V }, (_, i) => eager[(Math.floor(i / V) * T + T - 1) * V + (i % V)]);
    expect(relativeError(last.data as Float32Array, eagerLast)).toBeLessThan(1e-5);
    await lastSession.release();

    // Decode token by token from an empty cache: step t's logits are prefill's position t.
    const decode = await ort.InferenceSession.create(join(out, 'decode.onnx'));
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    const { kv_heads: K, head_dim: H } = manifest.config;
    const pastNames: string[] = manifest.io.decode.inputs.slice(1);
    let past: Record<string, ort.Tensor> = Object.fromEntries(pastNames.map((n) => [n, new ort.Tensor('float32', new Float32Array(0), [B, K, 0, H])]));
    const stepped = new Float32Array(B * T * V);
    for (let t = 0; t < T; t++) {
      const step = new ort.Tensor('int64', BigInt64Array.from(tokens.map((row) => BigInt(row[t]))), [B, 1]);
      const r = await decode.run({ input_ids: step, ...past });
      const l = r.logits.data as Float32Array;
      for (let b = 0; b < B; b++) stepped.set(l.subarray(b * V, (b + 1) * V), (b * T + t) * V);
      past = Object.fromEntries(pastNames.map((n) => [n, r[n.replace('past_', 'present_')]]));
      expect(past[pastNames[0]].dims).toEqual([B, K, t + 1, H]);
    }
    expect(relativeError(stepped, eager)).toBeLessThan(1e-5);
    await decode.release();
  });
});
