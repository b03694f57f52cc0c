/**
 * Saving and loading LoRA adapters in Hugging Face PEFT's layout for Gemma:
 * `adapter_model.safetensors` with `base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight`
 * `[r, in]` and `…lora_B.weight` `[out, r]`, plus `adapter_config.json`. The named-axis
 * factors map to those flat layouts exactly as the model's own weights do (`hfLayout`):
 * A is a Linear from the base weight's input axes to `lora_rank`, B one from `lora_rank` to
 * its output axes, each flattened in the base weight's HF order.
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import { Linear, Parameter, keyPathToString, select, type KeyPath, type Layer } from '@penjing/layers';
import type { GemmaConfig } from '../config.js';
import { firstNonFinite, folderOf, isFloatDtype, nodeIo, openSafetensorsSource, type PretrainedSource, type SafetensorsFile } from '@penjing/io';
import type { TensorToWrite } from '@penjing/io/node';

const join = (dir: string, name: string) => `${dir.replace(/\/$/, '')}/${name}`;
import { hfLayout, hfToParameterValue, parameterValueToHf, type WeightLayout } from '../loading/hf-layout.js';
import { LORA_RANK_AXIS, LowRankAdapter } from './adapter.js';
import { loraAdapterFor } from './loraify.js';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, PEFT_PREFIX, peftConfigFor, readPeftConfig, type SavedModule } from './peft-config.js';
import { hfModuleOf, hfModulePath, loraSites, type HfModule } from './sites.js';

/** A Gemma model tree: anything with the config it was built from. */
export interface GemmaLike {
  readonly config: GemmaConfig;
}

/** Options of `saveLoraAdapters`. */
export interface SaveLoraOptions {
  /** Stored dtype (default F32, exact). */
  readonly dtype?: 'F32' | 'BF16' | 'F16';
  /** Written as `base_model_name_or_path`, e.g. `google/gemma-3-270m`. */
  readonly baseModel?: string;
}

/** The HF layouts of an adapter's A `[r, in]` and B `[out, r]` for a base weight layout. */
export function loraLayouts(base: WeightLayout, linear: Linear, rank: number, peftName: string): { a: WeightLayout; b: WeightLayout } {
  const inAxes = base.axes.filter(([n]) => linear.inAxisNames.includes(n));
  const outAxes = base.axes.filter(([n]) => linear.outAxisNames.includes(n));
  if (inAxes.length + outAxes.length !== base.axes.length) {
    throw new RangeError(`LoRA '${base.label}': the weight has axes beyond its input and output axes; PEFT's [out, in] layout cannot hold them.`);
  }
  const size = (ax: readonly (readonly [string, number])[]) => ax.reduce((p, [, s]) => p * s, 1);
  const rankAxis = [LORA_RANK_AXIS, rank] as const;
  const common = { isLmHead: false, offsetNorm: false, shapeFrom: base.shapeFrom };
  return {
    a: {
      ...common, hfName: `${peftName}.lora_A.weight`, label: `${base.label} (lora_A)`, hfShape: [rank, size(inAxes)],
      axes: [rankAxis, ...inAxes], order: [...inAxes.map(([n]) => n), LORA_RANK_AXIS],
    },
    b: {
      ...common, hfName: `${peftName}.lora_B.weight`, label: `${base.label} (lora_B)`, hfShape: [size(outAxes), rank],
      axes: [...outAxes, rankAxis], order: [LORA_RANK_AXIS, ...outAxes.map(([n]) => n)],
    },
  };
}

function layoutByLabel(config: GemmaConfig): Map<string, WeightLayout> {
  return new Map(hfLayout(config).map((w) => [w.label, w]));
}

/**
 * Writes a model's LoRA adapters as a PEFT adapter directory (`adapter_model.safetensors` +
 * `adapter_config.json`) that `PeftModel.from_pretrained(base, dir)` and `loadLoraAdapters`
 * read. Only adapters on Gemma's projections (q/k/v/o, gate/up/down) can be saved.
 *
 * @example
 * await saveLoraAdapters(tuned, 'out/my-adapter', { baseModel: 'google/gemma-3-270m' });
 */
export async function saveLoraAdapters(model: GemmaLike, dir: string, options: SaveLoraOptions = {}): Promise<void> {
  const dtype = options.dtype ?? 'F32';
  const layouts = layoutByLabel(model.config);
  const adapters = select(model).atInstancesOf(LowRankAdapter).getSequence() as LowRankAdapter[];
  if (!adapters.length) throw new RangeError(`saveLoraAdapters: the model has no LoRA adapters to save (wrap it with loraify first).`);
  const tensors: [string, TensorToWrite][] = [];
  const modules: SavedModule[] = [];
  for (const ad of adapters) {
    const layer = ad.pretrained;
    const label = layer.weights.label;
    const hf = hfModuleOf(label);
    const base = layouts.get(label);
    if (!(layer instanceof Linear) || !hf || !base) {
      throw new RangeError(`saveLoraAdapters: adapter '${ad.name}' wraps '${label}', which has no Hugging Face PEFT counterpart; only Gemma's q/k/v/o and gate/up/down projections can be saved.`);
    }
    const f = ad.factors();
    const path = hfModulePath(hf);
    const { a, b } = loraLayouts(base, layer, f.rank, `${PEFT_PREFIX}${path}`);
    for (const [lay, p] of [[a, f.a], [b, f.b]] as const) {
      if (!(p instanceof Parameter)) throw new RangeError(`saveLoraAdapters: '${p.label}' is an unbound slot.`);
      tensors.push([lay.hfName, { dtype, shape: lay.hfShape, data: async () => {
        const t = parameterValueToHf(lay, p.value);
        try {
          return await t.data<'float32'>();
        } finally {
          t.dispose();
        }
      } }]);
    }
    modules.push({ path, module: hf.module, layer: hf.layer, rank: f.rank, alpha: f.alpha });
  }
  const config = peftConfigFor(modules, { baseModel: options.baseModel, numLayers: model.config.numLayers });
  // Each file is written atomically (weights first: a config never points at missing weights).
  const { writeSafetensors, writeFileAtomic } = await nodeIo('saving a LoRA adapter');
  await writeSafetensors(join(dir, ADAPTER_WEIGHTS_FILE), tensors, { metadata: { format: 'pt' } });
  await writeFileAtomic(join(dir, ADAPTER_CONFIG_FILE), JSON.stringify(config, null, 2) + '\n');
}

const TENSOR_NAME = /^(?:base_model\.model\.)?(?:model\.|language_model\.model\.|model\.language_model\.)?layers\.(\d+)\.(self_attn|mlp)\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)\.lora_(A|B)(?:\.default)?\.weight$/;

/**
 * Reads a PEFT LoRA adapter directory into a model: each saved module's Linear is wrapped
 * in a `LowRankAdapter` holding the saved factors (frozen base, trainable factors), with
 * PEFT's scale lora_alpha / r (`alpha_pattern` and rsLoRA honoured). The model must not
 * already have adapters there.
 *
 * @example
 * const base = await GemmaTransformer.fromPretrained('models/gemma-3-270m');
 * const withAdapter = await loadLoraAdapters(base, 'out/my-adapter');
 */
export async function loadLoraAdapters<M extends GemmaLike>(model: M, dir: PretrainedSource): Promise<M> {
  const folder = await folderOf(dir).catch(() => undefined);
  const where = folder?.label ?? String(dir);
  const configPath = join(where, ADAPTER_CONFIG_FILE);
  let raw: unknown;
  try {
    if (!folder) throw new Error('not a folder (pass a directory path, a base URL or the adapter files)');
    const text = await folder.text(ADAPTER_CONFIG_FILE);
    if (text === undefined) throw new Error('ENOENT: no such file');
    raw = JSON.parse(text);
  } catch (e) {
    throw new RangeError(`loadLoraAdapters: cannot read ${configPath} (${(e as Error).message}); a PEFT adapter directory has adapter_config.json and adapter_model.safetensors.`);
  }
  const { alphaFor, rankFor } = readPeftConfig(raw, configPath);
  const weights = await folder!.source(ADAPTER_WEIGHTS_FILE);
  if (!weights) throw new RangeError(`loadLoraAdapters: ${join(where, ADAPTER_WEIGHTS_FILE)} does not exist; a PEFT adapter directory has adapter_config.json and adapter_model.safetensors.`);
  const file = await openSafetensorsSource(weights);
  try {
    const found = new Map<string, { layer: number; module: HfModule; group: string; A?: string; B?: string }>();
    for (const name of file.names) {
      const m = TENSOR_NAME.exec(name);
      if (!m) {
        throw new RangeError(`loadLoraAdapters: ${file.path} holds '${name}', which is not a LoRA factor of a Gemma projection (DoRA magnitudes, embedding adapters and biases are not supported).`);
      }
      const key = `${m[1]}.${m[3]}`;
      const entry = found.get(key) ?? { layer: Number(m[1]), module: m[3] as HfModule, group: m[2] };
      entry[m[4] as 'A' | 'B'] = name;
      found.set(key, entry);
    }
    const layouts = layoutByLabel(model.config);
    const sites = new Map(loraSites(model).map((s) => [s.label, s]));
    const adapters: [KeyPath, LowRankAdapter][] = [];
    const made: NamedArray[] = [];
    try {
      for (const e of found.values()) {
        if (!e.A || !e.B) throw new RangeError(`loadLoraAdapters: ${file.path} has lora_${e.A ? 'A' : 'B'} but not lora_${e.A ? 'B' : 'A'} for layers.${e.layer}.${e.group}.${e.module}.`);
        const path = hfModulePath(e);
        const base = [...layouts.values()].find((w) => w.hfName === `${path}.weight`);
        const site = base && sites.get(base.label);
        if (!base || !site || !(site.layer instanceof Linear)) {
          const why = base ? `the model has no plain Linear labelled '${base.label}' (already adapted?)` : `the model has ${model.config.numLayers} layers`;
          throw new RangeError(`loadLoraAdapters: the adapter targets ${path}, but ${why}.`);
        }
        const rank = checkFactors(file, e.A, e.B, rankFor(`model.${path}`));
        const { a, b } = loraLayouts(base, site.layer, rank, e.A.slice(0, -'.lora_A.weight'.length));
        for (const [l, name] of [[a, e.A], [b, e.B]] as const) {
          const t = await file.read(name);
          if (t.shape.join() !== l.hfShape.join()) {
            throw new RangeError(`loadLoraAdapters: ${file.path}, tensor '${name}' has shape [${t.shape}] but the model implies [${l.hfShape}] (rank ${rank}; ${l.shapeFrom}).`);
          }
          const bad = firstNonFinite(t.data);
          if (bad >= 0) {
            throw new RangeError(`loadLoraAdapters: ${file.path}, tensor '${name}' has a non-finite value (${t.data[bad]}) at element ${bad}; the adapter is corrupt or training diverged.`);
          }
          const raw = tf.tensor(t.data as Float32Array, [...t.shape], 'float32');
          try {
            made.push(hfToParameterValue(l, raw));
          } finally {
            raw.dispose();
          }
        }
        const adapter = withFactors(loraAdapterFor(site.layer, site.path, { rank, alpha: alphaFor(`model.${path}`, rank), seed: null }), made.at(-2)!, made.at(-1)!);
        adapters.push([site.keyPath, adapter]);
      }
    } catch (err) {
      for (const v of made) v.dispose();
      throw err;
    }
    const byPath = new Map(adapters.map(([p, ad]) => [keyPathToString(p), ad]));
    return select(model).atKeypaths(adapters.map(([p]) => p)).apply((_n, p) => byPath.get(keyPathToString(p))!) as M;
  } finally {
    await file.close();
  }
}

/**
 * Checks a module's two factors before reading them: float dtypes, 2-D, ranks that agree with
 * each other and with the config's `r` (or its rank_pattern). Returns the rank.
 */
function checkFactors(file: SafetensorsFile, aName: string, bName: string, configRank: number | undefined): number {
  const a = file.header(aName);
  const b = file.header(bName);
  for (const h of [a, b]) {
    if (!isFloatDtype(h.dtype)) {
      throw new RangeError(`loadLoraAdapters: ${file.path}, tensor '${h.name}' has integer dtype ${h.dtype}; LoRA factors must be floats (F32, BF16 or F16).`);
    }
    if (h.shape.length !== 2 || h.size === 0) {
      throw new RangeError(`loadLoraAdapters: ${file.path}, tensor '${h.name}' has shape [${h.shape}]; LoRA factors are non-empty matrices.`);
    }
  }
  const rank = a.shape[0]!;
  if (b.shape[1] !== rank) {
    throw new RangeError(`loadLoraAdapters: ${file.path}: '${aName}' has rank ${rank} (shape [${a.shape}]) but '${bName}' has ${b.shape[1]} (shape [${b.shape}]); the factors do not belong together.`);
  }
  if (configRank !== undefined && configRank !== rank) {
    throw new RangeError(`loadLoraAdapters: ${file.path}: '${aName}' has rank ${rank}, but adapter_config.json says r = ${configRank} for this module; the config and the weights disagree (fix r / rank_pattern, or use the matching weights).`);
  }
  return rank;
}

/** An adapter (built with slots) with its A and B Linear weights set to the given values. */
export function withFactors(adapter: LowRankAdapter, a: NamedArray, b: NamedArray): LowRankAdapter {
  const [la, lb, scale] = adapter.branches[1].sublayers as [Linear, Linear, Layer];
  const set = (l: Linear, value: NamedArray) => l.replace({ weights: new Parameter({ label: l.weights.label, value }) });
  const update = adapter.branches[1].replace({ sublayers: Object.freeze([set(la, a), set(lb, b), scale]) });
  return adapter.replace({ branches: Object.freeze([adapter.branches[0], update] as const) });
}
