/**
 * `loraify`: wraps chosen Linear / Einsum layers of a model in `LowRankAdapter`s, freezing
 * their weights. The new factor B starts at zero, so the wrapped model computes exactly what
 * the original did until it is trained.
 */
import {
  Linear, NamedGroup, Parameter, Selection, keyPathStartsWith, select, keyPathToString, zerosInitializer, type Initializer, type KeyPath,
} from '@penjing/layers';
import { LORA_RANK_AXIS, LoRAScale, LowRankAdapter, withWeights, type AdaptableLayer } from './adapter.js';
import { Einsum } from './einsum-layer.js';
import { LoRAEinsumAdapter, kaimingUniformInitializer } from './lora-einsum.js';
import { ATTENTION_MODULES, MLP_MODULES, loraSites, type HfModule, type LoraSite } from './sites.js';

/**
 * Which layers to wrap:
 * - `'attention'` (default): the attention projections (Gemma's q/k/v/o; elsewhere, Linears
 *   inside a catalogue `Attention`); `'mlp'`: Gemma's gate/up/down; `'all'`: every Linear with
 *   input axes and every Einsum, except an untied output head (PEFT's "all-linear");
 * - a list of PEFT module names, e.g. `['q_proj', 'v_proj']`;
 * - a predicate on each candidate `LoraSite` (path, label, layer, hf module);
 * - a function from the model's root `Selection` to a selection: every candidate inside
 *   the selected subtrees is wrapped;
 * - a `Selection` of the model itself.
 */
export type LoraWhere =
  | 'attention' | 'mlp' | 'all'
  | readonly HfModule[]
  | ((site: LoraSite) => boolean)
  | ((selection: Selection<unknown, unknown>) => Selection<unknown, unknown>)
  | Selection<unknown, unknown>;

/** Options of `loraify`. */
export interface LoraOptions {
  rank: number;
  /** The update is scaled by alpha / rank (PEFT's `lora_alpha`); default: rank (scale 1, as gemma.peft). */
  alpha?: number;
  /** Default `'attention'`. */
  where?: LoraWhere;
  /** Base seed of the A factors (each factor derives its own from its label); default 0. `null` leaves slots (to load adapters into). */
  seed?: number | null;
  /** Default: Kaiming uniform over the input axes. */
  aInit?: Initializer;
  /** Default: zeros (the adapter starts as a no-op). */
  bInit?: Initializer;
}

/** The label stem of a weight label (`a/b.weights` → `a/b`). */
export function labelStem(label: string): string {
  return label.endsWith('.weights') ? label.slice(0, -'.weights'.length) : label;
}

/** The candidates `where` picks, checking that it picks at least one. */
export function chooseSites(model: unknown, where: LoraWhere = 'attention'): LoraSite[] {
  const sites = loraSites(model);
  const byModules = (mods: readonly string[]) => sites.filter((s) => (s.hf ? mods.includes(s.hf.module) : false));
  let chosen: LoraSite[];
  if (where === 'attention') chosen = sites.filter((s) => (s.hf ? ATTENTION_MODULES.includes(s.hf.module) : s.inAttention));
  else if (where === 'mlp') chosen = byModules(MLP_MODULES);
  else if (where === 'all') chosen = sites.filter((s) => !s.label.endsWith('/lm_head.weights'));
  else if (Array.isArray(where)) {
    const known = [...ATTENTION_MODULES, ...MLP_MODULES] as string[];
    const unknown = (where as readonly string[]).filter((m) => !known.includes(m));
    if (unknown.length) throw new RangeError(`loraify: unknown module names ${unknown.map((m) => `'${m}'`).join(', ')}; use ${known.join(', ')}.`);
    chosen = byModules(where as readonly string[]);
  } else if (where instanceof Selection) chosen = inside(sites, where, model);
  else if (typeof where === 'function') chosen = byFunction(sites, where, model);
  else throw new TypeError(`loraify: 'where' must be 'attention', 'mlp', 'all', a list of module names, a predicate, a selection function or a Selection.`);
  if (!chosen.length) {
    const some = sites.slice(0, 3).map((s) => `${s.path} ('${s.label}')`).join(', ');
    throw new RangeError(
      `loraify: 'where' picked none of the ${sites.length} adaptable layers${sites.length ? ` (e.g. ${some})` : ' (Linears with input axes, or Einsums)'}. ` +
        `Check the module names or the predicate.`,
    );
  }
  return chosen;
}

function inside(sites: LoraSite[], sel: Selection<unknown, unknown>, model: unknown): LoraSite[] {
  if (sel.root !== model) throw new RangeError(`loraify: the 'where' selection was made in a different tree; build it with select(model).`);
  return sites.filter((s) => sel.paths.some((p) => keyPathStartsWith(s.keyPath, p)));
}

/**
 * A function may be a selection function or a predicate; they are told apart by what it
 * returns for the model's root selection (predicates read site fields, which a Selection
 * lacks, so they return a non-Selection or throw).
 */
// Which of the two forms `fn` has is known only by calling it, so it is called through Reflect.apply.
function byFunction(sites: LoraSite[], fn: Extract<LoraWhere, Function>, model: unknown): LoraSite[] {
  let asSelection: unknown;
  let firstError: unknown;
  try {
    asSelection = Reflect.apply(fn, undefined, [select(model)]);
  } catch (e) {
    firstError = e;
  }
  if (asSelection instanceof Selection) return inside(sites, asSelection, model);
  try {
    return sites.filter((s) => Reflect.apply(fn, undefined, [s]) === true);
  } catch (e) {
    throw firstError ?? e;
  }
}

/**
 * Builds the adapter for one layer.
 * @example loraAdapterFor(linear, '.mlp.sublayers[0]', { rank: 4, seed: 0 })
 */
export function loraAdapterFor(layer: AdaptableLayer, path: string, o: LoraOptions): LowRankAdapter {
  const { rank } = o;
  if (!Number.isInteger(rank) || rank < 1) throw new RangeError(`loraify: rank must be a positive integer; got ${rank}.`);
  const alpha = o.alpha ?? rank;
  const seed = o.seed === undefined ? 0 : o.seed;
  const stem = labelStem(layer.weights.label);
  const w = layer.weights;
  const wasTrainable = w instanceof Parameter && w.trainable;
  const frozen = withWeights(layer, w instanceof Parameter ? w.replace({ trainable: false }) : w);
  const scale = new LoRAScale({ alpha, rank });
  let update: NamedGroup;
  if (layer instanceof Einsum) {
    const shape = w instanceof Parameter ? w.value.positionalShape : undefined;
    if (!shape) throw new RangeError(`loraify: the Einsum at ${path} ('${w.label}') has no weight value, so its shape is unknown; bind its parameters first.`);
    const ad = LoRAEinsumAdapter.fromConfig({ name: stem, seed, rank, einsumStr: layer.einsumStr, shape, aInit: o.aInit, bInit: o.bInit });
    update = new NamedGroup({ name: 'Update', sublayers: [ad, scale] });
  } else {
    const sizes = w instanceof Parameter ? (w.value.namedShape as Record<string, number>) : w.namedShape;
    if (!sizes) throw new RangeError(`loraify: the Linear at ${path} ('${w.label}') is an unbound slot with no named shape; bind its parameters first.`);
    if (LORA_RANK_AXIS in sizes) throw new RangeError(`loraify: the Linear at ${path} ('${w.label}') already has an axis '${LORA_RANK_AXIS}'.`);
    const pick = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, sizes[n]]));
    const parallel = Object.keys(sizes).filter((n) => !layer.inAxisNames.includes(n) && !layer.outAxisNames.includes(n));
    const a = Linear.fromConfig({
      name: `${stem}/lora_a`, seed, inputAxes: pick(layer.inAxisNames), outputAxes: { [LORA_RANK_AXIS]: rank },
      parallelAxes: pick(parallel), initializer: o.aInit ?? kaimingUniformInitializer, renameOutputsIfNecessary: false,
    });
    const b = Linear.fromConfig({
      name: `${stem}/lora_b`, seed, inputAxes: { [LORA_RANK_AXIS]: rank }, outputAxes: pick(layer.outAxisNames),
      parallelAxes: pick(parallel), initializer: o.bInit ?? zerosInitializer, renameOutputsIfNecessary: false,
    });
    update = new NamedGroup({ name: 'Update', sublayers: [a, b, scale] });
  }
  return new LowRankAdapter({
    name: `LoRA:${path}`,
    unfreezeOnMerge: wasTrainable,
    branches: [new NamedGroup({ name: 'Pretrained', sublayers: [frozen] }), update],
  });
}

/**
 * Wraps the chosen layers in LoRA adapters (pretrained + update), freezing their weights.
 * The result shares every other subtree and tensor with `model`; at initialisation (B = 0)
 * it computes exactly the same outputs.
 *
 * @example
 * const lora = loraify(model, { rank: 8, alpha: 16, where: 'attention' });
 * const lora2 = loraify(model, { rank: 4, where: (s) => s.hf?.module === 'v_proj' });
 * const lora3 = loraify(model, { rank: 4, where: (sel) => sel.atInstancesOf(TransformerFeedForward) });
 */
export function loraify<M>(model: M, options: LoraOptions): M {
  const sites = chooseSites(model, options.where);
  const sel = new Selection(model, sites.map((s) => s.keyPath));
  return sel.apply((node: unknown, path: KeyPath) => loraAdapterFor(node as AdaptableLayer, keyPathToString(path), options)) as M;
}
