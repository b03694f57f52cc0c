/**
 * The image-token check of a multimodal call, made on the token ids. The ids are the call's
 * input, so under @penjing/jit this check runs on the real ids before every compiled call
 * (model calls and generation steps alike) and gives the errors an eager call gives;
 * MergeImageSoftTokens itself only sees slots computed inside the forward pass, which a
 * compiled graph cannot read ahead of time.
 */
import { NamedArray } from '@penjing/named-array';
import { LayerError, checkValues } from '@penjing/layers';
import type { VisionConfig } from './config.js';

/**
 * Throws when a row of `tokens` holds image tokens but no `images` were given, or more image
 * tokens than its image slots give soft tokens (`image` × `mmTokensPerImage`).
 *
 * @example checkImageTokens(tokens, images, { imageTokenId: 262144, mmTokensPerImage: 256 }, 'ImageSlotsFromTokens')
 */
export function checkImageTokens(tokens: NamedArray, images: unknown, vision: Pick<VisionConfig, 'imageTokenId' | 'mmTokensPerImage'>, who: string): void {
  const shape = tokens.data.shape;
  const seqAxis = tokens.axes.indexOf('seq');
  if (seqAxis < 0) return;
  const seq = shape[seqAxis]!;
  // Elements of one row differ only in their seq index: its stride in the row-major data.
  const inner = shape.slice(seqAxis + 1).reduce((a, b) => a * b, 1);
  const imageSlots = images instanceof NamedArray ? ((images.namedShape as Record<string, number>).image ?? 0) : 0;
  const slots = imageSlots * vision.mmTokensPerImage;
  const given = images !== undefined && images !== null;
  checkValues(tokens.data, (ids) => {
    const perRow = new Map<number, number>();
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] !== vision.imageTokenId) continue;
      const row = Math.floor(i / (seq * inner)) * inner + (i % inner);
      perRow.set(row, (perRow.get(row) ?? 0) + 1);
    }
    if (!perRow.size) return;
    const total = [...perRow.values()].reduce((a, b) => a + b, 0);
    if (!given) {
      throw new LayerError(`${who}: the tokens hold ${total} image tokens but no images were given; pass { images } (a float32 {batch, image, height, width, channel} NamedArray) or remove the image tokens (id ${vision.imageTokenId}).`);
    }
    const most = Math.max(...perRow.values());
    if (images instanceof NamedArray && most > slots) {
      throw new LayerError(`${who}: a row holds ${most} image tokens but its ${imageSlots} image slot(s) give ${slots} soft tokens (${vision.mmTokensPerImage} per image); expand each image placeholder to exactly ${vision.mmTokensPerImage} image tokens (expandImagePrompt).`);
    }
  });
}
