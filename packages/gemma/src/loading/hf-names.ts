/**
 * Which tensor names a Hugging Face Gemma checkpoint uses: the text model sits under
 * `model.` (causal LMs), `language_model.model.` (original Gemma 3 multimodal files) or
 * `model.language_model.` (files re-saved by transformers ≥ 4.52); vision tensors and a
 * tied `lm_head` are ignored.
 */
import type { GemmaConfig } from '../config.js';
import type { SafetensorsCheckpoint } from '@penjing/io';
import { CheckpointError } from '@penjing/io';
import { checkCheckpointTensors } from '@penjing/transformer';
import type { WeightLayout } from './hf-layout.js';

/** Where the text model's tensors are. */
export interface HfNaming {
  /** Prefix of the text model's tensors, e.g. `model.`. */
  readonly prefix: string;
  /** Full name of an untied output projection. */
  readonly lmHead: string;
}

const NAMINGS: readonly HfNaming[] = [
  { prefix: 'model.', lmHead: 'lm_head.weight' },
  { prefix: 'language_model.model.', lmHead: 'language_model.lm_head.weight' },
  { prefix: 'model.language_model.', lmHead: 'lm_head.weight' },
];

/** Tensors that may sit in a Gemma checkpoint without being part of the text model. */
const IGNORED = [
  /^(model\.)?vision_tower\./, /^(model\.)?multi_modal_projector\./, /^language_model\.vision_tower\./, /\.rotary_emb\.inv_freq$/,
];

/** The full name of a layout entry under a naming. */
export function fullName(naming: HfNaming, w: WeightLayout): string {
  return w.isLmHead ? naming.lmHead : naming.prefix + w.hfName;
}

/**
 * Finds the naming a checkpoint uses, by its embedding tensor.
 *
 * @example detectNaming(ckpt) // { prefix: 'language_model.model.', lmHead: 'language_model.lm_head.weight' }
 */
export function detectNaming(ckpt: SafetensorsCheckpoint): HfNaming {
  const hit = NAMINGS.find((n) => ckpt.has(`${n.prefix}embed_tokens.weight`));
  if (hit) return hit;
  const seen = ckpt.names.slice(0, 4).map((n) => JSON.stringify(n)).join(', ');
  throw new CheckpointError(ckpt.path, `no embedding tensor: expected one of ${NAMINGS.map((n) => `"${n.prefix}embed_tokens.weight"`).join(', ')}`, {
    fix: `This does not look like a Gemma checkpoint in Hugging Face layout (its tensors start ${seen || '(none)'}).`,
  });
}

/**
 * The cheap first check, before a layer list is built: the number of layers the checkpoint
 * holds tensors for, and the embedding's shape, must be the config's. Runs in time linear
 * in the tensor list whatever the config claims.
 *
 * @example checkSizesAgainstCheckpoint(ckpt, detectNaming(ckpt), config, 'ckpt/config.json');
 */
export function checkSizesAgainstCheckpoint(ckpt: SafetensorsCheckpoint, naming: HfNaming, config: GemmaConfig, configFile: string): void {
  const layerOf = new RegExp(`^${naming.prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}layers\\.(\\d+)\\.`);
  let layers = 0;
  for (const n of ckpt.names) {
    const m = layerOf.exec(n);
    if (m) layers = Math.max(layers, Number(m[1]) + 1);
  }
  // Fewer layers than the checkpoint is reported tensor by tensor by the full check; more
  // would make that check (and the model) build every claimed layer first.
  if (config.numLayers > layers) {
    throw new CheckpointError(configFile, `num_hidden_layers is ${config.numLayers}, but the checkpoint has tensors for ${layers} layers`, {
      fix: `Set num_hidden_layers to ${layers}, or use the config.json that belongs to these weights.`,
    });
  }
  const embed = `${naming.prefix}embed_tokens.weight`;
  const h = ckpt.header(embed);
  if (h.shape.length !== 2 || h.shape[0] !== config.vocabSize || h.shape[1] !== config.embedDim) {
    throw new CheckpointError(h.file, `shape [${h.shape.join(', ')}] disagrees with the config, which implies [${config.vocabSize}, ${config.embedDim}] (vocab_size × hidden_size)`, {
      tensor: embed, fix: `Check ${configFile}: it may belong to a different model size.`,
    });
  }
}

/**
 * Checks that the checkpoint holds exactly the tensors the config needs, with the shapes
 * it implies and float dtypes, before any tensor data is read. Throws CheckpointError
 * naming the file and the tensor.
 */
export function checkCheckpointAgainstConfig(
  ckpt: SafetensorsCheckpoint, naming: HfNaming, layout: readonly WeightLayout[], config: GemmaConfig, configFile: string,
): void {
  const expected = layout.map((w) => ({
    name: fullName(naming, w),
    shape: w.hfShape,
    shapeFrom: w.shapeFrom,
    needed: w.isLmHead ? `${configFile} sets tie_word_embeddings false, so an untied output projection is needed` : `the config (${configFile}) needs it`,
  }));
  const ignore = (n: string) => IGNORED.some((r) => r.test(n)) || (config.tieEmbeddings && n === naming.lmHead);
  checkCheckpointTensors(ckpt, expected, ignore, configFile);
}
