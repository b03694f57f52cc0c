/**
 * Gemma 3 vision behaviour besides the reference numerics: the tree selects like the text model
 * (knock-out and capture of the tower's heads), images are checked with clear errors and no leaks,
 * preprocessing decodes PNG/JPEG and normalises to (x/255 − 0.5)/0.5, prompts expand as
 * Gemma3Processor does.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { CollectSideOutputs, KnockOutAttentionHeads, LazyParameter, Softmax, Tell, disposeTree, formatTree, parameterSlots, select } from '@penjing/layers';
import { PNG } from 'pngjs';
import fc from 'fast-check';
import { writeFile } from 'node:fs/promises';
import { main } from '@penjing/transformer/cli';
import jpeg from 'jpeg-js';
import {
  GemmaTransformer, ImageBlocksFromTokens, ImageSlotsFromTokens, MergeImageSoftTokens, generate, gemmaPreset, loadTokenizer, decodeImage, expandImagePrompt, expandImageTokens, preprocessImages, visionConfigOf,
  withVision, type VisionConfig,
} from '@penjing/gemma';

const FIXTURES = join(__dirname, '../../../tests/fixtures/gemma3-vision');
const ref = JSON.parse(readFileSync(join(FIXTURES, 'reference.json'), 'utf8'));
let model: GemmaTransformer;
const tokens = () => nx.wrap(tf.tensor2d(ref.tokens.flat(), [3, 20], 'int32')).tag('batch', 'seq');
const images = () => nx.wrap(tf.tensor(ref.images, ref.images_shape, 'float32')).tag('batch', 'image', 'height', 'width', 'channel');

beforeAll(async () => {
  await nx.ready();
  model = await GemmaTransformer.fromPretrained(join(FIXTURES, 'wrapper'), { quiet: true });
});

describe('the vision tree', () => {
  it('prints, and its attention heads can be knocked out and captured', () => {
    const text = formatTree(model);
    expect(text).toContain('MergeImageSoftTokens');
    expect(text).toContain('Patchify');
    expect(text).toContain('AveragePoolPatches');
    const visionSoftmax = select(model).atInstancesOf(MergeImageSoftTokens).atInstancesOf(Softmax);
    expect(visionSoftmax.count()).toBe(2);
    const t = tokens();
    const im = images();
    const base = model.call(t, { images: im });
    // Knocking out every vision head changes only rows that hold image tokens.
    const knocked = visionSoftmax.insertAfter(new KnockOutAttentionHeads({ headMask: nx.zeros({ heads: 2 }), kvSeqAxis: 'kv_patches' }));
    const ko = knocked.call(t, { images: im });
    const rowDiff = (b: number) => tf.tidy(() => tf.max(tf.abs(tf.sub(base.unwrap('batch', 'seq', 'vocabulary'), ko.unwrap('batch', 'seq', 'vocabulary')).slice([b, 0, 0], [1, 20, 64]))).dataSync()[0]);
    expect(rowDiff(0)).toBe(0);
    expect(rowDiff(1)).toBeGreaterThan(1e-3);
    expect(rowDiff(2)).toBeGreaterThan(1e-3);
    // Capture: the tower's attention patterns as side outputs, one per layer, {batch, image, heads, patches, kv_patches}.
    const probed = visionSoftmax.insertAfter(new Tell({ tag: 'vision_attention' }));
    const { output, sideOutputs } = new CollectSideOutputs({ body: probed, tags: ['vision_attention'] }).call(t, { images: im });
    const patterns = sideOutputs.vision_attention!;
    expect(patterns).toHaveLength(2);
    expect(patterns[0].namedShape).toEqual({ batch: 3, image: 2, heads: 2, patches: 16, kv_patches: 16 });
    const sums = tf.tidy(() => patterns[0].sum('kv_patches').data.dataSync());
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    for (const a of [base, ko, output, ...patterns, t, im]) a.dispose();
  });

  it('withVision builds a random multimodal model from a text model', () => {
    const vision = visionConfigOf(model)!;
    const text = GemmaTransformer.fromConfig({ ...model.config }, { seed: 1 });
    const mm = withVision(text, vision, model.config.embedDim, 2);
    expect(visionConfigOf(mm)).toEqual(vision);
    const logits = mm.call(tokens(), { images: images() });
    expect(logits.namedShape).toEqual({ batch: 3, seq: 20, vocabulary: 64 });
    expect(() => withVision(mm, vision, model.config.embedDim, 2)).toThrow(/already has a vision encoder/);
    expect(() => withVision(text, { ...vision, mmTokensPerImage: 5 }, 32, 0)).toThrow(/mm_tokens_per_image: 5 is not a square/);
    logits.dispose();
    disposeTree(mm);
  });
});

describe('image slots and blocks from tokens', () => {
  it('match a plain loop over random rows of text and image runs', () => {
    const slotsOf = new ImageSlotsFromTokens({ imageTokenId: 9 });
    const blocksOf = new ImageBlocksFromTokens({ imageTokenId: 9 });
    fc.assert(fc.property(fc.array(fc.array(fc.constantFrom(0, 1, 9, 9), { minLength: 6, maxLength: 6 }), { minLength: 1, maxLength: 3 }), (rows) => {
      const t = nx.wrap(tf.tensor2d(rows.flat(), [rows.length, 6], 'int32')).tag('batch', 'seq');
      const slots = slotsOf.compute(t);
      const blocks = blocksOf.compute(t);
      const want = rows.map((r) => {
        let k = 0;
        let run = -1;
        return r.map((id, i) => {
          if (id !== 9) return [-1, -1];
          if (i === 0 || r[i - 1] !== 9) run++;
          return [k++, run];
        });
      });
      expect(slots.dtype).toBe('int32');
      expect(slots.unwrap('batch', 'seq').arraySync()).toEqual(want.map((r) => r.map(([k]) => k)));
      expect(blocks.unwrap('batch', 'seq').arraySync()).toEqual(want.map((r) => r.map(([, b]) => b)));
      for (const a of [t, slots, blocks]) a.dispose();
    }), { numRuns: 30 });
  });
});

describe('saving', () => {
  it("loads lazily ({ weights: 'lazy' }): vision weights stay in the file too", async () => {
    const lazy = await GemmaTransformer.fromPretrained(join(FIXTURES, 'resaved'), { quiet: true, weights: 'lazy' });
    const slots = parameterSlots(lazy).map((p) => p.slots[0]);
    expect(slots.every((p) => p instanceof LazyParameter)).toBe(true);
    expect(slots.filter((p) => (p as LazyParameter).label.startsWith('vision/'))).toHaveLength(3 + 2 * 16 + 2); // patch kernel and bias, positions, 16 per layer, post norm
    expect(slots.filter((p) => (p as LazyParameter).label.startsWith('projector/'))).toHaveLength(2);
  });

  it('saveSafetensors writes the vision tower too, in the transformers ≥ 4.52 layout, and it loads back equal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'penjing-gemma3-vision-'));
    try {
      await model.saveSafetensors(dir);
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      expect([config.model_type, config.mm_tokens_per_image, config.vision_config.image_size]).toEqual(['gemma3', 4, 16]);
      const again = await GemmaTransformer.fromPretrained(dir, { quiet: true });
      const [t, im] = [tokens(), images()];
      const a = model.call(t, { images: im });
      const b = again.call(t, { images: im });
      expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a.data, b.orderLike(a).data))).dataSync()[0])).toBe(0);
      for (const x of [a, b, t, im]) x.dispose();
      disposeTree(again);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('generation with images', () => {
  it('greedy KV-cached generation equals the argmax of uncached full calls', async () => {
    const t = tokens();
    const im = images();
    const before = tf.memory().numTensors;
    const results = await generate(model, ref.tokens as number[][], { images: im, maxNewTokens: 4, temperature: 0, stopIds: [] });
    expect(tf.memory().numTensors).toBe(before);
    const rows: number[][] = ref.tokens.map((r: number[]) => [...r]);
    for (let step = 0; step < 4; step++) {
      const seq = nx.wrap(tf.tensor2d(rows.flat(), [3, rows[0].length], 'int32')).tag('batch', 'seq');
      const last = model.call(seq, { images: im, returnLastOnly: true });
      const next = tf.tidy(() => tf.argMax(last.unwrap('batch', 'vocabulary'), 1).arraySync() as number[]);
      next.forEach((id, b) => rows[b].push(id));
      seq.dispose();
      last.dispose();
    }
    expect(results.map((r) => r.tokens)).toEqual(rows.map((r) => r.slice(20)));
    t.dispose();
    im.dispose();
  });
});

describe('bad image input', () => {
  it('names the problem and leaks nothing', () => {
    const t = tokens();
    const im = images();
    const before = tf.memory().numTensors;
    expect(() => model.call(t)).toThrow(/hold 12 image tokens but no images were given/);
    const small = im.index({ height: nx.slice(0, 8), width: nx.slice(0, 8) });
    const afterSmall = tf.memory().numTensors;
    expect(() => model.call(t, { images: small })).toThrow(/height = width = 16 and channel 3; resize them/);
    const one = im.index({ image: nx.slice(0, 1) });
    const afterOne = tf.memory().numTensors;
    expect(() => model.call(t, { images: one })).toThrow(/a row holds 8 image tokens but its 1 image slot\(s\) give 4 soft tokens/);
    expect(() => model.call(t, { images: im.untag('channel') })).toThrow(/exactly the axes/);
    expect(tf.memory().numTensors).toBe(before + (afterSmall - before) + (afterOne - afterSmall));
    for (const a of [t, im, small, one]) a.dispose();
  });
});

describe('preprocessImages and prompts', () => {
  const vision: VisionConfig = JSON.parse(JSON.stringify({ mmTokensPerImage: 4, imageTokenId: 60, boiTokenId: 61, eoiTokenId: 62 }));

  it('decodes PNG and JPEG, resizes, and normalises to (x/255 − 0.5)/0.5', async () => {
    const png = new PNG({ width: 3, height: 2 });
    const colour = [255, 0, 51];
    for (let i = 0; i < 6; i++) png.data.set([...colour, 255], i * 4);
    const pngBytes = PNG.sync.write(png);
    const rgba = new Uint8Array(8 * 8 * 4).fill(128);
    const jpegBytes = jpeg.encode({ width: 8, height: 8, data: rgba }, 100).data;
    expect((await decodeImage(pngBytes)).width).toBe(3);
    const before = tf.memory().numTensors;
    const out = await preprocessImages([[pngBytes, jpegBytes], [{ width: 1, height: 1, data: new Uint8Array([0, 255, 255, 255]) }]], { imageSize: 4 });
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(out.namedShape).toEqual({ batch: 2, image: 2, height: 4, width: 4, channel: 3 });
    const v = out.unwrap('batch', 'image', 'height', 'width', 'channel').arraySync() as number[][][][][];
    // A uniform image stays uniform under bilinear resizing.
    for (const c of [0, 1, 2]) expect(v[0][0][2][3][c]).toBeCloseTo((colour[c] / 255 - 0.5) / 0.5, 6);
    expect(Math.abs(v[0][1][1][1][0] - (128 / 255 - 0.5) / 0.5)).toBeLessThan(0.02); // JPEG is lossy
    expect(v[1][0][0][0]).toEqual([-1, 1, 1]);
    expect(v[1][1][0][0]).toEqual([0, 0, 0]); // the padding image slot
    out.dispose();
    await expect(preprocessImages([[new Uint8Array([1, 2, 3, 4, 5])]], { imageSize: 4 })).rejects.toThrow(/row 0, image 0: not a PNG or JPEG \(its first bytes are 01 02 03 04\)/);
    await expect(preprocessImages([['/no/such/image.png']], { imageSize: 4 })).rejects.toThrow(/cannot read "\/no\/such\/image.png" \(ENOENT\)/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('expands image placeholders as Gemma3Processor', () => {
    expect(expandImageTokens([2, 61, 5], vision)).toEqual([2, 61, 60, 60, 60, 60, 62, 5]);
    expect(expandImageTokens([61], vision, [108])).toEqual([108, 61, 60, 60, 60, 60, 62, 108]);
    expect(expandImagePrompt('A<start_of_image>B', vision)).toBe(
      'A\n\n<start_of_image><image_soft_token><image_soft_token><image_soft_token><image_soft_token><end_of_image>\n\nB',
    );
  });
});

describe('the penjing CLI with --image', () => {
  it('expands the prompt with the bundled tokenizer and generates; refuses text-only models and missing images', async () => {
    const tok = await loadTokenizer();
    const ids = tok.encode(expandImagePrompt('<start_of_image>Hi', { mmTokensPerImage: 4 }), { addBos: false });
    expect(ids.filter((i) => i === 262144)).toHaveLength(4);
    expect(ids).toContain(255999);
    expect(ids).toContain(256000);
    const text = GemmaTransformer.fromConfig(gemmaPreset('gemma3_270m', {
      numLayers: 2, embedDim: 16, hiddenDim: 32, numHeads: 2, numKvHeads: 1, headDim: 8, attentionTypes: ['local', 'global'],
      slidingWindowSize: 4, vocabSize: 262208,
    }), { seed: 0 });
    const vision: VisionConfig = {
      imageSize: 16, patchSize: 4, numChannels: 3, hiddenSize: 16, intermediateSize: 24, numLayers: 1, numHeads: 2,
      layerNormEps: 1e-6, mmTokensPerImage: 4, imageTokenId: 262144, boiTokenId: 255999, eoiTokenId: 256000,
    };
    const mm = withVision(text, vision, 16, 1);
    const dir = await mkdtemp(join(tmpdir(), 'penjing-cli-image-'));
    try {
      await mm.saveSafetensors(join(dir, 'mm'));
      await text.saveSafetensors(join(dir, 'text'));
      const png = new PNG({ width: 5, height: 7 });
      png.data.fill(90);
      await writeFile(join(dir, 'cat.png'), PNG.sync.write(png));
      const run = async (...args: string[]) => {
        let stdout = '';
        let stderr = '';
        const code = await main(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
        return { code, stdout, stderr };
      };
      const ok = await run('generate', '--model', join(dir, 'mm'), '--prompt', 'Describe this.', '--image', join(dir, 'cat.png'), '--max-tokens', '2', '--temperature', '0', '--quiet');
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      const twoSlots = await run('generate', '--model', join(dir, 'mm'), '--prompt', '<start_of_image><start_of_image>x', '--image', join(dir, 'cat.png'), '--quiet');
      expect(twoSlots.code).toBe(1);
      expect(twoSlots.stderr).toMatch(/2 <start_of_image> placeholders but only 1 image file/);
      const textOnly = await run('generate', '--model', join(dir, 'text'), '--prompt', 'x', '--image', join(dir, 'cat.png'), '--quiet');
      expect(textOnly.code).toBe(1);
      expect(textOnly.stderr).toMatch(/this model is text-only/);
    } finally {
      await rm(dir, { recursive: true, force: true });
      disposeTree(mm);
      disposeTree(text);
    }
  });
});
