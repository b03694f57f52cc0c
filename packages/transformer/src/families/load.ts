/**
 * Loading a family checkpoint: read config.json, build the structure with parameter slots,
 * check every stored tensor against the config (presence, shape, dtype, nothing unexpected)
 * before reading any data, then convert tensors one at a time (splitting fused ones) and bind
 * the parameters by label. Sharded and BF16/F16 checkpoints load the same way.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import type { NamedArray } from '@penjing/named-array';
import { bindParameters } from '@penjing/layers';
import { CheckpointError } from '@penjing/io';
import { openCheckpoint, progressSink, readHfConfigJson, type SafetensorsCheckpoint } from '@penjing/io/node';
import type { FamilyLoadOptions } from '../family.js';
import type { TransformerLM } from '../model/transformer-lm.js';
import type { LMConfig } from './config.js';
import { lmConfigFromHuggingFace } from './hf-config.js';
import { FAMILY_PREFIXES, IGNORED_TENSORS, familyHfLayout, storedToParameter, type StoredTensor } from './hf-layout.js';
import { buildFamilyModel } from './model.js';

/** Options of {@link loadFamilyCheckpoint}. */
export interface FamilyFromPretrainedOptions extends FamilyLoadOptions {
  readonly returnLastOnly?: boolean;
}

/**
 * Loads a llama, mistral, qwen2, qwen3, gpt2 or gpt_neox checkpoint directory (or a file in it).
 *
 * @example const lm = await loadFamilyCheckpoint('models/SmolLM2-135M');
 */
export async function loadFamilyCheckpoint(path: string, options: FamilyFromPretrainedOptions = {}): Promise<TransformerLM> {
  await nx.ready();
  const { json, file } = await readHfConfigJson(path);
  const config = lmConfigFromHuggingFace(json, file);
  const structure = buildFamilyModel(config, { seed: null, returnLastOnly: options.returnLastOnly });
  const ckpt = await openCheckpoint(path);
  const values = new Map<string, NamedArray>();
  try {
    const prefix = detectPrefix(ckpt, config);
    const layout = familyHfLayout(config);
    const full = (t: StoredTensor) => (t.top ? t.name : prefix + t.name);
    checkAgainstConfig(ckpt, layout, full, config, file);
    const byName = new Map(layout.map((t) => [full(t), t]));
    const names = [...byName.keys()];
    const total = names.reduce((s, n) => s + ckpt.header(n).byteLength, 0);
    const sink = progressSink(options.progress, total, `Loading ${path}`);
    try {
      for await (const [name, data] of ckpt.entries({ names, onProgress: sink.onProgress })) {
        const stored = byName.get(name)!;
        const t = tf.tensor(data.data, [...data.shape], 'float32');
        try {
          for (const target of stored.targets) values.set(target.label, storedToParameter(target, t));
        } finally {
          t.dispose();
        }
      }
    } finally {
      sink.stop();
    }
    return bindParameters(structure, values);
  } catch (e) {
    for (const v of values.values()) v.dispose();
    throw e;
  } finally {
    await ckpt.close();
  }
}

/** The prefix of the model's tensors, found by the embedding tensor. */
function detectPrefix(ckpt: SafetensorsCheckpoint, c: LMConfig): string {
  const embedding = familyHfLayout({ ...c, numLayers: 0, slidingWindows: [] })[0]!.name;
  const prefixes = FAMILY_PREFIXES[c.modelType] ?? [''];
  const hit = prefixes.find((p) => ckpt.has(p + embedding));
  if (hit !== undefined) return hit;
  const seen = ckpt.names.slice(0, 3).map((n) => JSON.stringify(n)).join(', ');
  throw new CheckpointError(fileFor(ckpt), `no embedding tensor for model_type ${JSON.stringify(c.modelType)}: expected one of ${prefixes.map((p) => JSON.stringify(p + embedding)).join(', ')}`, {
    fix: `Its tensors start ${seen || '(none)'}; config.json may belong to another model.`,
  });
}

/**
 * Checks presence, shape and dtype of every tensor the config implies, and that nothing else
 * is stored (apart from buffers and a tied head); errors name the tensor and both shapes.
 */
function checkAgainstConfig(ckpt: SafetensorsCheckpoint, layout: readonly StoredTensor[], full: (t: StoredTensor) => string, c: LMConfig, configFile: string): void {
  for (const t of layout) {
    const name = full(t);
    if (!ckpt.has(name)) {
      throw new CheckpointError(fileFor(ckpt), `missing tensor; the config (${configFile}) needs it`, {
        tensor: name,
        fix: 'Check that every shard was downloaded and that config.json belongs to these weights.',
      });
    }
    const h = ckpt.header(name);
    if (h.shape.length !== t.shape.length || h.shape.some((s, i) => s !== t.shape[i])) {
      throw new CheckpointError(h.file, `shape [${h.shape.join(', ')}] disagrees with the config, which implies [${t.shape.join(', ')}] (${t.shapeFrom})`, {
        tensor: name,
        fix: `Check ${configFile}: it may belong to a different model size.`,
      });
    }
    if (!['F32', 'BF16', 'F16', 'F64'].includes(h.dtype)) {
      throw new CheckpointError(h.file, `dtype ${h.dtype} is not a float dtype`, { tensor: name, fix: 'Penjing loads F32, BF16, F16 and F64 weights; quantized checkpoints are not supported.' });
    }
  }
  const expected = new Set(layout.map(full));
  const tiedHeads = new Set(['lm_head.weight', 'embed_out.weight']);
  const unexpected = ckpt.names.filter((n) => !expected.has(n) && !IGNORED_TENSORS.some((r) => r.test(n)) && !(c.tieEmbeddings && tiedHeads.has(n)));
  if (unexpected.length) {
    const more = unexpected.length > 1 ? ` (and ${unexpected.length - 1} more, e.g. ${JSON.stringify(unexpected[1])})` : '';
    throw new CheckpointError(ckpt.header(unexpected[0]!).file, `unexpected tensor: the config (${configFile}) has no place for it${more}`, {
      tensor: unexpected[0],
      fix: 'config.json probably belongs to a different model (another family, layer count, bias or norm layout).',
    });
  }
}

function fileFor(ckpt: SafetensorsCheckpoint): string {
  return ckpt.files.length > 1 ? join(ckpt.path, 'model.safetensors.index.json') : ckpt.files[0] ?? ckpt.path;
}
