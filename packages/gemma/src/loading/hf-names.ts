/**
 * Which tensor names a Hugging Face Gemma checkpoint uses: the text model sits under
 * `model.` (causal LMs), `language_model.model.` (original Gemma 3 multimodal files) or
 * `model.language_model.` (files re-saved by transformers ≥ 4.52); vision tensors and a
 * tied `lm_head` are ignored.
 */
import { join } from 'node:path';
import type { GemmaConfig } from '../config.js';
import type { SafetensorsCheckpoint } from '@penjing/io/node';
import { CheckpointError } from '@penjing/io';
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
 * Checks that the checkpoint holds exactly the tensors the config needs, with the shapes
 * it implies and float dtypes, before any tensor data is read. Throws CheckpointError
 * naming the file and the tensor.
 */
export function checkCheckpointAgainstConfig(
  ckpt: SafetensorsCheckpoint, naming: HfNaming, layout: readonly WeightLayout[], config: GemmaConfig, configFile: string,
): void {
  const expected = new Set(layout.map((w) => fullName(naming, w)));
  for (const w of layout) {
    const name = fullName(naming, w);
    if (!ckpt.has(name)) {
      const why = w.isLmHead
        ? `${configFile} sets tie_word_embeddings false, so an untied output projection is needed`
        : `the config (${configFile}) needs it`;
      throw new CheckpointError(checkpointFileFor(ckpt), `missing tensor; ${why}`, {
        tensor: name,
        fix: 'Check that every shard was downloaded and that config.json belongs to these weights.',
      });
    }
    const h = ckpt.header(name);
    if (h.shape.length !== w.hfShape.length || h.shape.some((s, i) => s !== w.hfShape[i])) {
      throw new CheckpointError(h.file, `shape [${h.shape.join(', ')}] disagrees with the config, which implies [${w.hfShape.join(', ')}] (${w.shapeFrom})`, {
        tensor: name,
        fix: `Check ${configFile}: it may belong to a different model size.`,
      });
    }
    if (!['F32', 'BF16', 'F16', 'F64'].includes(h.dtype)) {
      throw new CheckpointError(h.file, `dtype ${h.dtype} is not a float dtype`, {
        tensor: name,
        fix: 'Penjing loads F32, BF16 and F16 weights; quantized checkpoints are not supported.',
      });
    }
  }
  const unexpected = ckpt.names.filter(
    (n) => !expected.has(n) && !IGNORED.some((r) => r.test(n)) && !(config.tieEmbeddings && n === naming.lmHead),
  );
  if (unexpected.length) {
    const more = unexpected.length > 1 ? ` (and ${unexpected.length - 1} more: ${unexpected.slice(1, 4).map((n) => JSON.stringify(n)).join(', ')}${unexpected.length > 4 ? ', …' : ''})` : '';
    throw new CheckpointError(ckpt.header(unexpected[0]).file, `unexpected tensor: the config (${configFile}) has no place for it${more}`, {
      tensor: unexpected[0],
      fix: 'config.json probably belongs to a different model (another family, layer count or norm layout).',
    });
  }
}

/** The file to name for a tensor the checkpoint lacks: the index for sharded checkpoints. */
function checkpointFileFor(ckpt: SafetensorsCheckpoint): string {
  return ckpt.files.length > 1 ? join(ckpt.path, 'model.safetensors.index.json') : ckpt.files[0] ?? ckpt.path;
}
