/**
 * LoRA for positional einsum weights (gemma.peft.LoRAEinsumAdapter): the weight term of
 * `inputs,weights->outputs` is split into a low-rank pair, A carrying the weight letters the
 * inputs also have plus a rank letter, B the rank letter plus the weight letters only the
 * outputs have, so `inputs,a,b->outputs` computes x·A·B with the original's axes.
 */
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { Layer, child, staticField, LayerError, varianceScalingInitializer, zerosInitializer, type Initializer, type ParameterLike } from '@penjing/layers';
import { parseEinsum, type EinsumSpec } from './einsum.js';
import { makePositionalParameter, runPositionalEinsum } from './einsum-layer.js';

/**
 * Kaiming (He) uniform over fan-in: U(±√(6 / fan-in)), the default for LoRA's A matrix
 * (variance scaling 2.0, fan-in, uniform).
 * @example LoRAEinsumAdapter.fromConfig({ name: 'attn/q', seed: 0, rank: 4, einsumStr: 'BTD,NDH->BTNH', shape: [2, 8, 16], aInit: kaimingUniformInitializer })
 */
export const kaimingUniformInitializer: Initializer = varianceScalingInitializer({ scale: 2, mode: 'fanIn', distribution: 'uniform' });

/** How an einsum weight is split into a LoRA pair. */
export interface LoRAEinsumSplit {
  /** The rank letter: `r`, or the first letter the einsum does not use. */
  readonly rankLetter: string;
  /** Letters of the original weight term. */
  readonly weight: readonly string[];
  /** Letters of A: weight letters the inputs also have (contracted or batch), then the rank letter. */
  readonly a: readonly string[];
  /** Letters of B: the rank letter, then weight letters only the outputs have. */
  readonly b: readonly string[];
  readonly aShape: readonly number[];
  readonly bShape: readonly number[];
  /** `inputs,a,b->outputs`, e.g. `'BTD,Dr,rNH->BTNH'`. */
  readonly adapterStr: string;
  /** `a,b->weights`: the weight-shaped product A·B (for merging). */
  readonly mergeStr: string;
}

const CANDIDATES = 'rabcdefghijklmnopqstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * Splits an einsum's weight into LoRA factors.
 * @example loraEinsumSplit('BTD,NDH->BTNH', [4, 64, 16], 8).adapterStr // 'BTD,Dr,rNH->BTNH'
 * @example loraEinsumSplit('BTNH,NHD->BTD', [4, 16, 64], 8).a // ['N', 'H', 'r']
 */
export function loraEinsumSplit(einsumStr: string, shape: readonly number[], rank: number): LoRAEinsumSplit {
  const spec = parseEinsum(einsumStr);
  if (spec.inputs.length !== 2) throw new RangeError(`LoRA einsum '${einsumStr}': expected 'inputs,weights->outputs' (two terms), got ${spec.inputs.length}.`);
  const [input, weight] = spec.inputs;
  if (weight.includes('...')) throw new RangeError(`LoRA einsum '${einsumStr}': the weight term cannot contain '...'.`);
  if (weight.length !== shape.length) {
    throw new RangeError(`LoRA einsum '${einsumStr}': the weight term '${weight.join('')}' has ${weight.length} letters but shape [${shape}] has ${shape.length} sizes.`);
  }
  if (!Number.isInteger(rank) || rank < 1) throw new RangeError(`LoRA einsum '${einsumStr}': rank must be a positive integer; got ${rank}.`);
  const orphan = weight.filter((l) => !input.includes(l) && !spec.output.includes(l));
  if (orphan.length) {
    throw new RangeError(`LoRA einsum '${einsumStr}': weight letter '${orphan[0]}' is in neither the inputs nor the outputs (a summed weight axis); LoRA cannot factor it.`);
  }
  const used = new Set([...spec.inputs.flat(), ...spec.output]);
  const r = [...CANDIDATES].find((c) => !used.has(c))!;
  const a = [...weight.filter((l) => input.includes(l)), r];
  const b = [r, ...weight.filter((l) => !input.includes(l))];
  const size = (l: string) => (l === r ? rank : shape[weight.indexOf(l)]);
  const out = spec.output.join('');
  const inp = input.join('');
  return {
    rankLetter: r,
    weight,
    a,
    b,
    aShape: a.map(size),
    bShape: b.map(size),
    adapterStr: `${inp},${a.join('')},${b.join('')}->${out}`,
    mergeStr: `${a.join('')},${b.join('')}->${weight.join('')}`,
  };
}

/** Options of `LoRAEinsumAdapter.fromConfig`. */
export interface LoRAEinsumConfig {
  /** Label prefix: the factors are `<name>/lora_a.weights` and `<name>/lora_b.weights`. */
  name: string;
  /** Base seed; `null` builds slots (structure only, to load adapters into). */
  seed: number | null;
  rank: number;
  /** The adapted layer's `inputs,weights->outputs`. */
  einsumStr: string;
  /** Shape of the adapted weight. */
  shape: readonly number[];
  /** Only `'float32'`: tfjs computes in float32 (bfloat16 checkpoints are widened on load). */
  dtype?: 'float32';
  /** Default: `kaimingUniformInitializer` (fan-in = the input letters of A). */
  aInit?: Initializer;
  /** Default: zeros, so the adapter starts as an exact no-op. */
  bInit?: Initializer;
}

/**
 * Computes only x·A·B for an einsum layer (no scaling, no pretrained term; `loraify` adds
 * those). The input's positional axes are the einsum's input term; named axes pass through.
 *
 * @example
 * const ad = LoRAEinsumAdapter.fromConfig({ name: 'attn/q', seed: 0, rank: 4, einsumStr: 'BTD,NDH->BTNH', shape: [2, 8, 16] });
 * ad.a.value.positionalShape; // [8, 4]   (D, r)
 * ad.b.value.positionalShape; // [4, 2, 16] (r, N, H), zeros
 */
export class LoRAEinsumAdapter extends Layer.define('LoRAEinsumAdapter', {
  rank: staticField<number>(),
  einsumStr: staticField<string>(),
  shape: staticField<readonly number[]>().from((s: readonly number[]) => Object.freeze([...s])),
  dtype: staticField<'float32'>().default('float32').from((d: 'float32') => {
    if (d !== 'float32') throw new RangeError(`LoRAEinsumAdapter: dtype must be 'float32' (tfjs computes in float32); got '${d}'.`);
    return d;
  }),
  a: child<ParameterLike>(),
  b: child<ParameterLike>(),
})<NamedArray, NamedArray> {
  constructor(f: { rank: number; einsumStr: string; shape: readonly number[]; dtype?: 'float32'; a: ParameterLike; b: ParameterLike }) {
    loraEinsumSplit(f.einsumStr, f.shape, f.rank);
    super(f);
  }

  /** @example LoRAEinsumAdapter.fromConfig({ name: 'mlp/linear', seed: 1, rank: 2, einsumStr: '...H,HF->...F', shape: [32, 8] }) */
  static fromConfig(c: LoRAEinsumConfig): LoRAEinsumAdapter {
    const split = loraEinsumSplit(c.einsumStr, c.shape, c.rank);
    const a = makePositionalParameter({
      label: `${c.name}/lora_a.weights`, seed: c.seed, term: split.a, shape: split.aShape,
      fanInLetters: split.a.slice(0, -1), initializer: c.aInit ?? kaimingUniformInitializer,
    });
    const b = makePositionalParameter({
      label: `${c.name}/lora_b.weights`, seed: c.seed, term: split.b, shape: split.bShape,
      fanInLetters: [split.rankLetter], initializer: c.bInit ?? zerosInitializer,
    });
    return new LoRAEinsumAdapter({ rank: c.rank, einsumStr: c.einsumStr, shape: c.shape, dtype: c.dtype, a, b });
  }

  /** The split of this adapter's einsum (letters, shapes, rewritten strings). */
  split(): LoRAEinsumSplit {
    return loraEinsumSplit(this.einsumStr, this.shape, this.rank);
  }

  protected override forward(x: NamedArray): NamedArray {
    const s = this.split();
    const who = `LoRAEinsumAdapter '${this.a.label}' (${s.adapterStr})`;
    const a = this.a.value;
    const b = this.b.value;
    for (const [p, want, term] of [[a, s.aShape, s.a], [b, s.bShape, s.b]] as const) {
      if (p.names.length || p.positionalShape.join() !== want.join()) {
        throw new LayerError(`${who}: factor '${term.join('')}' should be positional [${want}] but is [${p.positionalShape}] ${formatNamedShape(p.namedShape)}.`);
      }
    }
    const spec: EinsumSpec = parseEinsum(s.adapterStr);
    return runPositionalEinsum(s.adapterStr, spec, x, [a.positionalTensor(), b.positionalTensor()], who);
  }
}
