/**
 * `saveSafetensors`: writes a Gemma model as a Hugging Face checkpoint directory —
 * config.json plus `model.safetensors` (or shards with an index) with `model.`-prefixed
 * names and norm weights stored as offsets `w = scale − 1` — that `fromPretrained` and
 * transformers load. Tensors are converted one at a time as the writer reaches them.
 */
import { LazyParameter, parameterSlots, parameters, type Layer } from '@penjing/layers';
import { configToHuggingFace, type GemmaConfig } from '../config.js';
import type { TensorToWrite } from '@penjing/io/node';
import { CheckpointError, makeProgressSink, nodeIo, type ProgressOption } from '@penjing/io';
import { hfLayout, parameterValueToHf, type WeightLayout } from './hf-layout.js';
import { visionConfigOf } from '../vision/multimodal.js';
import { visionLayout } from '../vision/hf-layout.js';
import type { VisionConfig } from '../vision/config.js';

/** Options of `saveSafetensors`. */
export interface SaveOptions {
  /** Stored dtype: F32 (default, exact), BF16 (half the size; rounds to nearest even) or F16. */
  readonly dtype?: 'F32' | 'BF16' | 'F16';
  /** Largest shard in bytes; more data goes into `model-0000i-of-0000n.safetensors` plus an index. Default 5 GB. */
  readonly maxShardBytes?: number;
  /** Progress bar: automatic (default), forced, off, or a callback. */
  readonly progress?: ProgressOption;
}

const TORCH_DTYPE = { F32: 'float32', BF16: 'bfloat16', F16: 'float16' } as const;

/**
 * Writes `model` to `dir` (created if needed). The save is atomic: until every file is complete
 * the directory holds the old checkpoint unchanged; then the new files replace it and the old
 * checkpoint's leftover weight files (a stale index or shards) are removed.
 *
 * @example
 * await saveSafetensors(model, 'out/tiny-gemma', { dtype: 'BF16' });
 * const again = await GemmaTransformer.fromPretrained('out/tiny-gemma');
 */
export async function saveSafetensors(model: Layer & { readonly config: GemmaConfig }, dir: string, options: SaveOptions = {}): Promise<void> {
  const dtype = options.dtype ?? 'F32';
  const config = model.config;
  const hfConfig = configToHuggingFace(config, { torchDtype: TORCH_DTYPE[dtype] });
  const lazy = parameterSlots(model).map((s) => s.slots[0]).find((s): s is LazyParameter => s instanceof LazyParameter);
  if (lazy) {
    throw new CheckpointError(dir, `parameter '${lazy.label}' is held lazily on disk (${lazy.source.describe}), so there are no values in memory to save`, {
      fix: "The weights are already in that checkpoint: copy it, or load it without {weights: 'lazy'} to save a converted copy.",
    });
  }
  const byLabel = new Map(parameters(model).map((p) => [p.label, p.parameter]));
  // A multimodal model is saved as transformers ≥ 4.52 saves Gemma 3 (model.language_model.,
  // model.vision_tower., model.multi_modal_projector.) under a gemma3 config.json.
  const vision = visionConfigOf(model);
  const textPrefix = vision ? 'model.language_model.' : 'model.';
  const entries: [string, WeightLayout][] = hfLayout(config).map((w) => [w.isLmHead ? 'lm_head.weight' : `${textPrefix}${w.hfName}`, w]);
  if (vision) {
    for (const w of visionLayout(vision, config.embedDim, { tower: 'model.vision_tower.vision_model.', projector: 'model.multi_modal_projector.' })) entries.push([w.hfName, w]);
  }
  const tensors: [string, TensorToWrite][] = entries.map(([name, w]) => {
    const p = byLabel.get(w.label);
    if (!p) {
      throw new CheckpointError(dir, `the model has no parameter labelled '${w.label}' (needed for ${w.hfName})`, {
        fix: 'Only models built by GemmaTransformer.fromConfig/fromPretrained (possibly patched, but keeping their parameters) can be saved.',
      });
    }
    const want = Object.fromEntries(w.axes);
    const have = p.value.namedShape as Record<string, number>;
    if (Object.keys(want).length !== Object.keys(have).length || Object.entries(want).some(([n, s]) => have[n] !== s)) {
      throw new CheckpointError(dir, `parameter '${w.label}' has named shape ${JSON.stringify(have)}, but the config implies ${JSON.stringify(want)}`);
    }
    return [name, { dtype, shape: w.hfShape, data: async () => {
      const t = parameterValueToHf(w, p.value);
      try {
        return await t.data<'float32'>();
      } finally {
        t.dispose();
      }
    } }];
  });
  const total = tensors.reduce((s, [, t]) => s + t.shape.reduce((a, b) => a * b, 1) * (dtype === 'F32' ? 4 : 2), 0);
  const { writeShardedSafetensors } = await nodeIo('saving a checkpoint');
  const sink = await makeProgressSink(options.progress, total, `Saving ${dir}`);
  try {
    await writeShardedSafetensors(dir, tensors, {
      maxShardBytes: options.maxShardBytes ?? 5e9,
      metadata: { format: 'pt' },
      onProgress: sink.onProgress,
      // config.json is committed with the weights, so the directory never pairs new weights with an old config.
      extraFiles: { 'config.json': JSON.stringify(vision ? multimodalConfig(hfConfig, vision) : hfConfig, null, 2) + '\n' },
    });
  } finally {
    sink.stop();
  }
}

/** The gemma3 wrapper config.json of a multimodal model: the text config inside, the vision sizes and token ids beside it. */
function multimodalConfig(text: Record<string, unknown>, v: VisionConfig): Record<string, unknown> {
  const { torch_dtype: torchDtype, ...textConfig } = text;
  return {
    model_type: 'gemma3',
    architectures: ['Gemma3ForConditionalGeneration'],
    text_config: { ...textConfig, model_type: 'gemma3_text' },
    vision_config: {
      model_type: 'siglip_vision_model', image_size: v.imageSize, patch_size: v.patchSize, num_channels: v.numChannels,
      hidden_size: v.hiddenSize, intermediate_size: v.intermediateSize, num_hidden_layers: v.numLayers,
      num_attention_heads: v.numHeads, layer_norm_eps: v.layerNormEps, hidden_act: 'gelu_pytorch_tanh', vision_use_head: false,
    },
    mm_tokens_per_image: v.mmTokensPerImage,
    image_token_index: v.imageTokenId,
    boi_token_index: v.boiTokenId,
    eoi_token_index: v.eoiTokenId,
    torch_dtype: torchDtype,
  };
}
