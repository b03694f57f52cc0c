/**
 * The LoRA adapter node, after Penzai's `LowRankAdapter`: a pretrained branch and an update
 * branch run on the same input and are added. The update is A then B then a scale of
 * alpha / rank (PEFT's convention), each a visible sublayer, so the printed tree is the
 * computation and selectors can reach every part.
 */
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { Layer, child, staticField, LayerError, Linear, NamedGroup, Parameter, type ParameterLike, type SideInputs } from '@penjing/layers';
import { Einsum } from './einsum-layer.js';
import { LoRAEinsumAdapter } from './lora-einsum.js';

/** The axis between A and B in named-axis adapters. */
export const LORA_RANK_AXIS = 'lora_rank';

/**
 * Multiplies by `alpha / rank`; works on positional arrays too (einsum adapters).
 * @example new LoRAScale({ alpha: 16, rank: 8 }).call(x) // x · 2
 */
export class LoRAScale extends Layer.define('LoRAScale', {
  alpha: staticField<number>().from((a: number) => {
    if (!Number.isFinite(a)) throw new RangeError(`LoRAScale: alpha must be a finite number; got ${a}.`);
    return a;
  }),
  rank: staticField<number>().from((r: number) => {
    if (!Number.isInteger(r) || r < 1) throw new RangeError(`LoRAScale: rank must be a positive integer; got ${r}.`);
    return r;
  }),
})<NamedArray, NamedArray> {
  /** The factor applied: alpha / rank. */
  get scale(): number {
    return this.alpha / this.rank;
  }
  protected override forward(x: NamedArray): NamedArray {
    if (!(x instanceof NamedArray)) throw new LayerError(`LoRAScale expects a NamedArray; got ${typeof x}.`);
    return this.scale === 1 ? x : x.mul(this.scale);
  }
}

/** A layer LoRA can wrap: a catalogue Linear with input axes, or a positional `Einsum`. */
export type AdaptableLayer = Linear | Einsum;

/** The layer with other weights (both kinds hold them in `weights`). @example withWeights(linear, frozen) */
export function withWeights(layer: AdaptableLayer, weights: ParameterLike): AdaptableLayer {
  return layer instanceof Linear ? layer.replace({ weights }) : layer.replace({ weights });
}

/** The update factors of an adapter, whichever its form. */
export interface LoRAFactors {
  /** The named-axis form: Linear A `{in…, lora_rank, parallel…}` and B `{lora_rank, out…, parallel…}`. */
  readonly a: ParameterLike;
  readonly b: ParameterLike;
  readonly rank: number;
  readonly alpha: number;
  /** Present for einsum adapters. */
  readonly einsum?: LoRAEinsumAdapter;
}

/**
 * `pretrained(x) + (alpha / rank) · B(A(x))`, with the pretrained weights frozen.
 *
 * Fields: `name` (`'LoRA:' + the wrapped layer's path`, shown in printed trees),
 * `unfreezeOnMerge` (whether `mergeLora` makes the base weights trainable again: true when
 * `loraify` froze them), and `branches`:
 * `[NamedGroup 'Pretrained' [layer], NamedGroup 'Update' [A, B, LoRAScale]]` for a Linear, or
 * `[NamedGroup 'Pretrained' [einsum], NamedGroup 'Update' [LoRAEinsumAdapter, LoRAScale]]`.
 *
 * @example
 * const lora = loraify(model, { rank: 8, where: 'attention' });
 * select(lora).atInstancesOf(LowRankAdapter).count(); // 4 per block
 */
export class LowRankAdapter extends Layer.define('LowRankAdapter', {
  name: staticField<string>(),
  unfreezeOnMerge: staticField<boolean>().default(false),
  branches: child<readonly [NamedGroup, NamedGroup]>(),
})<NamedArray, NamedArray> {
  constructor(f: { name: string; unfreezeOnMerge?: boolean; branches: readonly [NamedGroup, NamedGroup] }) {
    if (f.branches.length !== 2 || !f.branches.every((b) => b instanceof NamedGroup)) {
      throw new RangeError(`LowRankAdapter '${f.name}': branches must be [NamedGroup 'Pretrained', NamedGroup 'Update'].`);
    }
    super({ ...f, branches: Object.freeze([f.branches[0], f.branches[1]] as const) });
  }

  /** The wrapped layer (the Pretrained group's only sublayer). */
  get pretrained(): AdaptableLayer {
    const inner = this.branches[0].sublayers;
    if (inner.length !== 1 || !(inner[0] instanceof Linear || inner[0] instanceof Einsum)) {
      throw new LayerError(`LowRankAdapter '${this.name}': the Pretrained group must hold exactly one Linear or Einsum; it holds [${inner.map((l) => l.typeName()).join(', ')}].`);
    }
    return inner[0];
  }

  /** A, B, rank and alpha, read from the Update group (which `loraify` builds). */
  factors(): LoRAFactors {
    const u = this.branches[1].sublayers;
    const scale = u[u.length - 1];
    const bad = () =>
      new LayerError(
        `LowRankAdapter '${this.name}': the Update group should be [Linear A, Linear B, LoRAScale] or [LoRAEinsumAdapter, LoRAScale]; ` +
          `it is [${u.map((l) => l.typeName()).join(', ')}].`,
      );
    if (!(scale instanceof LoRAScale)) throw bad();
    if (u.length === 2 && u[0] instanceof LoRAEinsumAdapter) {
      return { a: u[0].a, b: u[0].b, rank: scale.rank, alpha: scale.alpha, einsum: u[0] };
    }
    if (u.length === 3 && u[0] instanceof Linear && u[1] instanceof Linear) {
      return { a: u[0].weights, b: u[1].weights, rank: scale.rank, alpha: scale.alpha };
    }
    throw bad();
  }

  protected override forward(x: NamedArray, side: SideInputs): NamedArray {
    const [p, u] = this.branches.map((b) => b.call(x, side));
    if (!(p instanceof NamedArray) || !(u instanceof NamedArray)) throw new LayerError(`LowRankAdapter '${this.name}': a branch did not return a NamedArray.`);
    const sp = p.namedShape as Record<string, number>;
    const su = u.namedShape as Record<string, number>;
    const same = p.names.length === u.names.length && p.names.every((n) => sp[n] === su[n]) && p.positionalShape.join() === u.positionalShape.join();
    if (!same) {
      throw new LayerError(
        `LowRankAdapter '${this.name}': the update returned ${formatNamedShape(su)} [${u.positionalShape}] but the pretrained layer ` +
          `${formatNamedShape(sp)} [${p.positionalShape}]; the adapter's factors do not fit the wrapped layer.`,
      );
    }
    // Adding onto the pretrained output keeps its layout, so downstream layers see no change.
    return p.add(u);
  }
}

/** Every Parameter of an adapter's update branch (A and B). */
export function adapterParameters(adapter: LowRankAdapter): Parameter[] {
  const f = adapter.factors();
  return [f.a, f.b].filter((p): p is Parameter => p instanceof Parameter);
}
