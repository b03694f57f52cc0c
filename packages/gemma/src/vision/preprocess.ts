/**
 * Getting images and prompts into the shape Gemma 3 takes: decode (PNG or JPEG bytes or a
 * file, or already-decoded RGBA pixels such as a browser canvas's ImageData), resize to the
 * tower's square size, normalise to (x/255 − 0.5)/0.5, stack as `{batch, image, height,
 * width, channel}`; and expand image placeholders in a prompt as Gemma3Processor does.
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import type { Layer } from '@penjing/layers';
import type { VisionConfig } from './config.js';
import { visionConfigOf } from './multimodal.js';

/** Decoded pixels: `data` holds width·height RGBA (4 bytes) or RGB (3 bytes) pixels, row-major. */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** An image: a file path (Node/Deno), PNG or JPEG bytes, or decoded pixels (e.g. a canvas's ImageData). */
export type ImageSource = string | Uint8Array | DecodedImage;

/** Options of `preprocessImages`. */
export interface PreprocessOptions {
  /** Side of the square the images are resized to: the tower's `imageSize` (896 for Gemma 3). */
  readonly imageSize: number;
}

const isPng = (b: Uint8Array) => b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isJpeg = (b: Uint8Array) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/**
 * Decodes PNG or JPEG bytes to RGBA pixels. `what` names the image in errors.
 *
 * @example const { width, height, data } = await decodeImage(readFileSync('cat.png'));
 */
export async function decodeImage(bytes: Uint8Array, what = 'image'): Promise<DecodedImage> {
  // The decoders are imported on first use, so a browser bundle (which passes decoded pixels) needs neither.
  try {
    if (isPng(bytes)) {
      const { PNG } = await importAtRunTime<typeof import('pngjs')>('pngjs');
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    if (isJpeg(bytes)) {
      const m = await importAtRunTime<typeof import('jpeg-js') & { default?: typeof import('jpeg-js') }>('jpeg-js');
      const jpeg = m.default ?? m;
      const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
      return { width: j.width, height: j.height, data: j.data };
    }
  } catch (e) {
    throw new TypeError(`${what}: could not decode it (${(e as Error).message}); the file may be truncated or corrupt.`);
  }
  throw new TypeError(`${what}: not a PNG or JPEG (its first bytes are ${[...bytes.slice(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}); convert it, or pass decoded pixels {width, height, data}.`);
}

async function pixelsOf(src: ImageSource, what: string): Promise<DecodedImage> {
  if (typeof src === 'string') {
    const { readFile } = await importAtRunTime<typeof import('node:fs/promises')>('node:fs/promises');
    let bytes: Uint8Array;
    try {
      bytes = await readFile(src);
    } catch (e) {
      throw new TypeError(`${what}: cannot read ${JSON.stringify(src)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
    }
    return await decodeImage(bytes, `${what} (${src})`);
  }
  if (src instanceof Uint8Array && !('width' in src)) return await decodeImage(src, what);
  const d = src as DecodedImage;
  if (!Number.isInteger(d.width) || !Number.isInteger(d.height) || d.width < 1 || d.height < 1 || !d.data) {
    throw new TypeError(`${what}: decoded pixels need positive integer width and height and a data array.`);
  }
  return d;
}

/** [h, w, 3] float32 in 0..255 from RGBA or RGB bytes. */
function rgbTensor(d: DecodedImage, what: string): tf.Tensor3D {
  const n = d.width * d.height;
  const channels = d.data.length / n;
  if (channels !== 3 && channels !== 4) {
    throw new TypeError(`${what}: ${d.data.length} bytes for ${d.width}×${d.height} pixels is neither RGB (3 per pixel) nor RGBA (4).`);
  }
  const rgb = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = d.data[i * channels + c];
  return tf.tensor3d(rgb, [d.height, d.width, 3]);
}

/**
 * Decodes, resizes (bilinear, to `imageSize`²) and normalises images, one list per batch row,
 * into a float32 `{batch, image, height, width, channel}` NamedArray. Rows with fewer images
 * are padded with zero images, which a row without matching image tokens ignores.
 *
 * @example
 * const images = await preprocessImages([['cat.png'], []], { imageSize: visionConfigOf(model)!.imageSize });
 * model.call(tokens, { images });
 */
export async function preprocessImages(rows: readonly (readonly ImageSource[])[], options: PreprocessOptions): Promise<NamedArray> {
  const size = options.imageSize;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`preprocessImages: imageSize must be a positive integer; got ${size}.`);
  if (!Array.isArray(rows) || rows.length === 0 || rows.some((r) => !Array.isArray(r))) {
    throw new TypeError('preprocessImages: expected one array of images per batch row, e.g. [[\'cat.png\'], []].');
  }
  const perRow = Math.max(1, ...rows.map((r) => r.length));
  const decoded = await Promise.all(rows.map((r, b) => Promise.all(r.map((src: ImageSource, i: number) => pixelsOf(src, `preprocessImages: row ${b}, image ${i}`)))));
  const data = tf.tidy(() => {
    const stacked = decoded.map((row, b) => {
      const imgs = row.map((d, i) => {
        const resized = tf.image.resizeBilinear(rgbTensor(d, `preprocessImages: row ${b}, image ${i}`), [size, size], false, true);
        return tf.sub(tf.div(resized, 127.5), 1); // (x/255 − 0.5)/0.5
      });
      while (imgs.length < perRow) imgs.push(tf.zeros([size, size, 3]));
      return tf.stack(imgs);
    });
    return tf.stack(stacked);
  });
  return new NamedArray(data, ['batch', 'image', 'height', 'width', 'channel']);
}

/** The text Gemma3Processor puts in place of each `<start_of_image>`. */
export interface ImagePromptTokens {
  readonly boi: string;
  readonly image: string;
  readonly eoi: string;
}

const GEMMA3_IMAGE_TOKENS: ImagePromptTokens = { boi: '<start_of_image>', image: '<image_soft_token>', eoi: '<end_of_image>' };

/**
 * Expands each `<start_of_image>` of a prompt to `\n\n<start_of_image>` + `<image_soft_token>` ×
 * mmTokensPerImage + `<end_of_image>\n\n`, as HF's Gemma3Processor does before tokenizing.
 *
 * @example expandImagePrompt('<start_of_image>Describe this.', { mmTokensPerImage: 256 })
 */
export function expandImagePrompt(prompt: string, vision: Pick<VisionConfig, 'mmTokensPerImage'>, tokens: ImagePromptTokens = GEMMA3_IMAGE_TOKENS): string {
  const block = `\n\n${tokens.boi}${tokens.image.repeat(vision.mmTokensPerImage)}${tokens.eoi}\n\n`;
  return prompt.split(tokens.boi).join(block);
}

/**
 * The same at token level: each begin-of-image id becomes begin-of-image, image × mmTokensPerImage,
 * end-of-image (with `around`, e.g. the "\n\n" token id, on both sides).
 *
 * @example expandImageTokens([2, 255999, 818], vision) // [2, 255999, 262144 ×256, 256000, 818]
 */
export function expandImageTokens(ids: readonly number[], vision: Pick<VisionConfig, 'mmTokensPerImage' | 'boiTokenId' | 'imageTokenId' | 'eoiTokenId'>, around: readonly number[] = []): number[] {
  const out: number[] = [];
  for (const id of ids) {
    if (id !== vision.boiTokenId) {
      out.push(id);
      continue;
    }
    out.push(...around, vision.boiTokenId);
    for (let k = 0; k < vision.mmTokensPerImage; k++) out.push(vision.imageTokenId);
    out.push(vision.eoiTokenId, ...around);
  }
  return out;
}

const BOI = GEMMA3_IMAGE_TOKENS.boi;

/**
 * A text prompt and image files made ready for a multimodal Gemma 3 (the CLI's `--image`): the
 * files are decoded and preprocessed to the model's image size; each `<start_of_image>` of the
 * prompt takes the next image (missing ones are put before the prompt, as HF's chat template
 * puts an image before the text) and is expanded as Gemma3Processor does.
 *
 * @example const { prompt, images } = await imagePrompt(model, 'Describe this.', ['cat.png']);
 */
export async function imagePrompt(model: Layer, prompt: string, files: readonly string[]): Promise<{ prompt: string; images: NamedArray }> {
  const vision = visionConfigOf(model);
  if (!vision) throw new RangeError('images need a Gemma 3 checkpoint with a vision tower (config.json with vision_config, and the vision_tower / multi_modal_projector tensors); this model is text-only.');
  const placed = prompt.split(BOI).length - 1;
  if (placed > files.length) throw new RangeError(`the prompt has ${placed} ${BOI} placeholders but only ${files.length} image file(s) were given.`);
  const withAll = BOI.repeat(files.length - placed) + prompt;
  const images = await preprocessImages([files], { imageSize: vision.imageSize });
  return { prompt: expandImagePrompt(withAll, vision), images };
}

/** A Node-side decoder, imported on first use by a specifier bundlers leave alone (browsers pass decoded pixels). */
async function importAtRunTime<T>(specifier: string): Promise<T> {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}
