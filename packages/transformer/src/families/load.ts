/**
 * Loading a family checkpoint: read config.json, build the structure with parameter slots,
 * check every stored tensor against the config (presence, shape, dtype, nothing unexpected)
 * before reading any data, then convert tensors one at a time (splitting fused ones) and bind
 * the parameters by label. Sharded and BF16/F16 checkpoints load the same way.
 */
import * as nx from '@penjing/named-array';
import { CheckpointError, openPretrained, requireConfig, type PretrainedSource, type SafetensorsCheckpoint } from '@penjing/io';
import { bindCheckpoint, checkCheckpointTensors, checkpointFileFor } from './checkpoint.js';
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
 * Loads a llama, mistral, qwen2, qwen3, gpt2 or gpt_neox checkpoint: a directory (or a file in it),
 * a URL, bytes with their config, or files from a page.
 *
 * @example const lm = await loadFamilyCheckpoint('models/SmolLM2-135M');
 */
export async function loadFamilyCheckpoint(source: PretrainedSource, options: FamilyFromPretrainedOptions = {}): Promise<TransformerLM> {
  await nx.ready();
  const opened = await openPretrained(source);
  const ckpt = opened.checkpoint;
  try {
    const { json, file } = requireConfig(opened);
    const config = lmConfigFromHuggingFace(json, file);
    const structure = buildFamilyModel(config, { seed: null, returnLastOnly: options.returnLastOnly });
    const prefix = detectPrefix(ckpt, config);
    const layout = familyHfLayout(config);
    const full = (t: StoredTensor) => (t.top ? t.name : prefix + t.name);
    const tiedHeads = new Set(['lm_head.weight', 'embed_out.weight']);
    const ignore = (n: string) => IGNORED_TENSORS.some((r) => r.test(n)) || (config.tieEmbeddings && tiedHeads.has(n));
    checkCheckpointTensors(ckpt, layout.map((t) => ({ name: full(t), shape: t.shape, shapeFrom: t.shapeFrom })), ignore, file);
    const byName = new Map(layout.map((t) => [full(t), t]));
    // A generator, so each value is handed over (and freed on failure) as soon as it is made.
    function* cut(name: string, t: Parameters<typeof storedToParameter>[1]) {
      for (const target of byName.get(name)!.targets) yield [target.label, storedToParameter(target, t)] as const;
    }
    return await bindCheckpoint(structure, ckpt, [...byName.keys()], { progress: options.progress, title: `Loading ${opened.label}` }, cut);
  } finally {
    // An opened source belongs to the caller.
    if (opened !== source) await ckpt.close();
  }
}

/** The prefix of the model's tensors, found by the embedding tensor. */
function detectPrefix(ckpt: SafetensorsCheckpoint, c: LMConfig): string {
  const embedding = familyHfLayout({ ...c, numLayers: 0, slidingWindows: [] })[0]!.name;
  const prefixes = FAMILY_PREFIXES[c.modelType] ?? [''];
  const hit = prefixes.find((p) => ckpt.has(p + embedding));
  if (hit !== undefined) return hit;
  const seen = ckpt.names.slice(0, 3).map((n) => JSON.stringify(n)).join(', ');
  throw new CheckpointError(checkpointFileFor(ckpt), `no embedding tensor for model_type ${JSON.stringify(c.modelType)}: expected one of ${prefixes.map((p) => JSON.stringify(p + embedding)).join(', ')}`, {
    fix: `Its tensors start ${seen || '(none)'}; config.json may belong to another model.`,
  });
}

