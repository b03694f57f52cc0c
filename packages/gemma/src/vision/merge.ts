/**
 * How image soft tokens enter the text model: two side inputs computed from the tokens
 * (`imageSlots`: which soft token each image-token position receives; `imageBlocks`: which
 * contiguous image block a position belongs to), the layer that encodes the images and
 * writes their soft tokens over the (already √D-scaled) embeddings, and the mask wrapper that
 * lets the positions of one image block attend to each other in both directions.
 */
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { Layer, LayerError, SideInputComputation, child, isTracing, staticField, type SideInputs } from '@penjing/layers';
import type { VisionConfig } from './config.js';
import { checkImageTokens } from './token-check.js';

/** NaN where `cond` holds, 0 elsewhere (as small as `cond`; added, it broadcasts). */
function nanWhere(cond: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.where(cond, tf.fill(cond.shape, NaN), tf.zeros(cond.shape)));
}

function tokensWithSeq(input: unknown, who: string): NamedArray {
  if (!(input instanceof NamedArray) || !input.names.includes('seq')) {
    throw new LayerError(`${who}: expected tokens with a 'seq' axis; got ${input instanceof NamedArray ? formatNamedShape(input.namedShape) : typeof input}.`);
  }
  return input;
}

/**
 * `imageSlots {…, seq}`: at the k-th image-token position of a row (k = 0, 1, …) the value k,
 * which indexes that row's soft tokens in image-major order; −1 elsewhere.
 *
 * Checks first that rows with image tokens have images, and no more image tokens than their
 * images give soft tokens.
 *
 * @example new ImageSlotsFromTokens({ imageTokenId: 262144, mmTokensPerImage: 256 }).compute(tokens, { images })
 */
export class ImageSlotsFromTokens extends SideInputComputation.define('ImageSlotsFromTokens', {
  imageTokenId: staticField<number>(),
  /** Soft tokens per image, to check a row's image tokens against its images (0: no checks). */
  mmTokensPerImage: staticField<number>().default(0),
}) {
  override compute(input: unknown, side: SideInputs = {}): NamedArray {
    const tokens = tokensWithSeq(input, 'ImageSlotsFromTokens');
    // On the token ids, which a compiled call also has before it runs (the merge sees only slots).
    if (this.mmTokensPerImage > 0) checkImageTokens(tokens, side.images, this, 'ImageSlotsFromTokens');
    const isImage = tokens.equal(this.imageTokenId).astype('int32');
    return nx.where(isImage.astype('bool'), isImage.cumsum('seq').sub(1), -1).astype('int32').orderLike(tokens);
  }
}

/**
 * `imageBlocks {…, seq}`: the index of the contiguous run of image tokens a position is in
 * (0 for a row's first image), −1 for other tokens — HF Gemma 3's image groups.
 *
 * @example new ImageBlocksFromTokens({ imageTokenId: 262144 }).compute(tokens)
 */
export class ImageBlocksFromTokens extends SideInputComputation.define('ImageBlocksFromTokens', {
  imageTokenId: staticField<number>(),
}) {
  override compute(input: unknown): NamedArray {
    const tokens = tokensWithSeq(input, 'ImageBlocksFromTokens');
    const n = (tokens.namedShape as Record<string, number>).seq;
    const isImage = tokens.equal(this.imageTokenId);
    // A run starts where an image token follows a non-image token (or the row's start).
    const previous = nx.concatenate([nx.full({ seq: 1 }, false).broadcastTo({ namedShape: { ...tokens.namedShape, seq: 1 } }), isImage.index({ seq: nx.slice(0, n - 1) })], 'seq');
    const starts = isImage.logicalAnd(previous.logicalNot()).astype('int32');
    return nx.where(isImage, starts.cumsum('seq').sub(1), -1).astype('int32').orderLike(tokens);
  }
}

/**
 * Encodes `images` (side input, `{batch, image, height, width, channel}`) with `encoder` and
 * writes the soft tokens over the embeddings `{batch, seq, embedding}` at the image-token
 * positions (`imageSlots`), unscaled, as HF's `masked_scatter` and gm.nn do. Rows use their
 * images in order; image slots a row has no tokens for are ignored. Without `images` the
 * embeddings pass through, and image tokens are an error.
 *
 * @example new MergeImageSoftTokens({ encoder: buildImageEncoder(vision, 640, 0), config: vision }).call(x, { images, imageSlots })
 */
export class MergeImageSoftTokens extends Layer.define('MergeImageSoftTokens', {
  encoder: child<Layer<NamedArray, NamedArray>>(),
  /** The vision config the encoder was built from (its soft tokens per image, token ids, image size). */
  config: staticField<VisionConfig>(),
  imagesInputName: staticField<string>().default('images'),
  slotsInputName: staticField<string>().default('imageSlots'),
})<NamedArray, NamedArray> {
  // `images` is optional (text-only calls and decoding steps have none), so it is read but
  // not requested: an absent value is not an unhandled request.
  override sideInputRequests(): readonly string[] {
    return [this.slotsInputName];
  }

  protected override forward(x: NamedArray, side: SideInputs): NamedArray {
    const who = 'MergeImageSoftTokens';
    const slots = side[this.slotsInputName];
    if (!(slots instanceof NamedArray)) throw new LayerError(`${who}: side input '${this.slotsInputName}' must be a NamedArray.`);
    const images = side[this.imagesInputName];
    const noImages = images === undefined || images === null;
    // Under a compiler's trace no values exist yet, so the counts cannot be read: the graph
    // encodes whenever images are given (merging leaves other positions alone). What eager
    // calls refuse here (image tokens without images, or beyond a row's soft tokens) the model
    // checks on the token ids before each compiled call (checkImageTokens); a bare merge layer
    // compiled on its own marks those positions NaN instead.
    const tracing = isTracing();
    if (tracing && noImages) return this.poisonImageTokens(x, slots);
    const imageTokens = tracing ? -1 : tf.tidy(() => tf.sum(tf.cast(tf.greaterEqual(slots.data, 0), 'int32')).dataSync()[0]);
    // No image tokens (a text-only call, or a decoding step after an image prefill): nothing to encode.
    if (imageTokens === 0) return x;
    if (noImages) {
      throw new LayerError(`${who}: the tokens hold ${imageTokens} image tokens but no images were given; pass { ${this.imagesInputName} } (a float32 {batch, image, height, width, channel} NamedArray) or remove the image tokens.`);
    }
    if (!(images instanceof NamedArray)) throw new LayerError(`${who}: '${this.imagesInputName}' must be a NamedArray {batch, image, height, width, channel}; got ${typeof images}.`);
    const want = ['batch', 'image', 'height', 'width', 'channel'];
    if (images.positionalShape.length || images.names.length !== 5 || want.some((a) => !images.names.includes(a))) {
      throw new LayerError(`${who}: images must have exactly the axes {${want.join(', ')}}; got ${formatNamedShape(images.namedShape)}${images.positionalShape.length ? ` with positional axes [${images.positionalShape}]` : ''}.`);
    }
    if (images.dtype !== 'float32') throw new LayerError(`${who}: images must be float32 (normalised with preprocessImages); got ${images.dtype}.`);
    const xs = x.namedShape as Record<string, number>;
    const is = images.namedShape as Record<string, number>;
    if (x.names.length !== 3 || !('batch' in xs) || !('seq' in xs) || !('embedding' in xs)) {
      throw new LayerError(`${who}: with images, tokens must be {batch, seq}; the embeddings are ${formatNamedShape(x.namedShape)}.`);
    }
    if (is.batch !== xs.batch) throw new LayerError(`${who}: images have batch ${is.batch} but the tokens have batch ${xs.batch}.`);
    const c = this.config;
    if (is.height !== c.imageSize || is.width !== c.imageSize || is.channel !== c.numChannels) {
      throw new LayerError(`${who}: images are ${formatNamedShape(images.namedShape)} but the vision tower takes height = width = ${c.imageSize} and channel ${c.numChannels}; resize them (preprocessImages does).`);
    }
    const perRow = tracing ? 0 : tf.tidy(() => tf.max(tf.add(tf.max(slots.unwrap('batch', 'seq'), 1), 1)).dataSync()[0]);
    const available = is.image * this.config.mmTokensPerImage;
    if (perRow > available) {
      throw new LayerError(`${who}: a row holds ${perRow} image tokens but its ${is.image} image slot(s) give ${available} soft tokens (${this.config.mmTokensPerImage} per image); expand each image placeholder to exactly ${this.config.mmTokensPerImage} image tokens (expandImagePrompt).`);
    }
    const soft = this.encoder.call(images, side);
    const data = tf.tidy(() => {
      const flat = tf.reshape(soft.unwrap('batch', 'image', 'tokens', 'embedding'), [is.batch, available, xs.embedding]);
      const s = tf.cast(slots.unwrap('batch', 'seq'), 'int32');
      // Row b's slot k is row b·available + k of the flattened soft tokens (tfjs's wasm gather
      // with batchDims returns wrong rows, so the batch is folded into the index instead).
      const rowStart = tf.mul(tf.range(0, is.batch, 1, 'int32'), tf.scalar(available, 'int32')).reshape([is.batch, 1]);
      const index = tf.add(tf.maximum(s, tf.scalar(0, 'int32')), rowStart);
      // Clamped so that a slot past the row's soft tokens (only possible under jit) reads no other row; it becomes NaN below.
      const safe = tf.minimum(index, tf.add(rowStart, tf.scalar(available - 1, 'int32')));
      const gathered = tf.gather(tf.reshape(flat, [is.batch * available, xs.embedding]), safe);
      const column = (m: tf.Tensor) => tf.reshape(m, [is.batch, xs.seq, 1]);
      const merged = tf.where(column(tf.greaterEqual(s, 0)), gathered, x.unwrap('batch', 'seq', 'embedding'));
      return tf.add(merged, nanWhere(column(tf.greaterEqual(s, available))));
    });
    soft.dispose();
    return new NamedArray(data, ['batch', 'seq', 'embedding']);
  }

  /** The embeddings with NaN at image-token positions: under jit without images, what eager calls refuse. */
  private poisonImageTokens(x: NamedArray, slots: NamedArray): NamedArray {
    return x.add(new NamedArray(nanWhere(slots.data.greaterEqual(0)), slots.axes));
  }
}

/**
 * Wraps a causal mask so that positions of the same image block also see each other (both
 * directions): logits the wrapped mask hid are restored where query and key share a block of
 * `imageBlocks`. HF Gemma 3 ORs this into both its global and sliding-window masks.
 *
 * Keys are matched to this call's tokens by position (the wrapped mask's query and key
 * position inputs), so the same layer works uncached and in a KV-cached prefill, where keys
 * are cache slots; an image block must lie wholly in one call (generation prefills it whole).
 *
 * @example new BidirectionalImageBlocks({ causal: new ApplyCausalAttentionMask() }).call(logits, { tokenPositions, imageBlocks })
 */
export class BidirectionalImageBlocks extends Layer.define('BidirectionalImageBlocks', {
  causal: child<Layer<NamedArray, NamedArray>>(),
  blocksInputName: staticField<string>().default('imageBlocks'),
})<NamedArray, NamedArray> {
  override sideInputRequests(): readonly string[] {
    return [this.blocksInputName];
  }
  protected override forward(x: NamedArray, side: SideInputs): NamedArray {
    const who = 'BidirectionalImageBlocks';
    const masked = this.causal.call(x, side);
    const blocks = side[this.blocksInputName];
    if (!(blocks instanceof NamedArray)) throw new LayerError(`${who}: side input '${this.blocksInputName}' must be a NamedArray.`);
    const m = this.causal as unknown as { queryPositionsInputName?: string; kvPositionsInputName?: string };
    const qPos = side[m.queryPositionsInputName ?? 'tokenPositions'];
    const kvRaw = side[m.kvPositionsInputName ?? 'tokenPositions'];
    if (!(qPos instanceof NamedArray) || !(kvRaw instanceof NamedArray)) {
      throw new LayerError(`${who}: the wrapped ${this.causal.typeName()} must read query and key positions (queryPositionsInputName / kvPositionsInputName) from NamedArray side inputs.`);
    }
    const kvPos: NamedArray = kvRaw.names.includes('kv_seq') ? kvRaw : kvRaw.untag('seq').tag('kv_seq');
    // The block of each key: that of this call's token at the key's position, else −1.
    const sameSpot = qPos.equal(kvPos).logicalAnd(qPos.greaterEqual(0));
    const keyBlock = nx.where(sameSpot, blocks.add(1), 0).sum('seq').sub(1);
    const same = blocks.equal(keyBlock).logicalAnd(blocks.greaterEqual(0));
    return nx.where(same, x, masked);
  }
}
