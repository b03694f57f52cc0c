import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { Layer, LayerError, type SideInputs } from '../core/layer.js';
import { child, staticField } from '../tree/fields.js';
import { frozenList } from './checks.js';

// Groups are typed `any -> any` (like Penzai's untyped layers) so a group can stand wherever a
// `Layer<NamedArray, NamedArray>` or any other signature is expected.
function runInOrder(sublayers: readonly Layer[], x: any, side: SideInputs): any {
  let v = x;
  for (const l of sublayers) v = l.call(v, side);
  return v;
}

/**
 * Runs its sublayers in order, passing every side input on. Subclasses (Affine, LayerNorm,
 * RMSLayerNorm, LinearInPlace) only give the group a meaningful type; they keep this call.
 *
 * @example
 * const proj = Linear.fromConfig({ name: 'proj', seed: 0, inputAxes: { embedding: 8 }, outputAxes: { neurons: 32 } });
 * new Sequential({ sublayers: [proj, new Elementwise({ fn: 'relu' })] }).call(x);
 */
export class Sequential extends Layer.define('Sequential', { sublayers: child<readonly Layer[]>().from(frozenList) })<any, any> {
  protected override forward(x: any, side: SideInputs): any {
    return runInOrder(this.sublayers, x, side);
  }
}

/**
 * A Sequential with a name, shown in printed trees (e.g. `"mlp"`, `"gate"`).
 * @example new NamedGroup({ name: 'gate', sublayers: [gatingLinear, new Elementwise({ fn: 'gelu' })] })
 */
export class NamedGroup extends Layer.define('NamedGroup', {
  name: staticField<string>(),
  sublayers: child<readonly Layer[]>().from(frozenList),
})<any, any> {
  protected override forward(x: any, side: SideInputs): any {
    return runInOrder(this.sublayers, x, side);
  }
}

/**
 * Returns its input unchanged (a placeholder for insertion, or a branch that skips).
 * @example new BranchAndAddTogether({ branches: [new Identity(), attention] })
 */
export class Identity extends Layer.define('Identity', {})<any, any> {
  protected override forward<T>(x: T): T {
    return x;
  }
}

/** Requires every branch to return a NamedArray with the same axes (listing them all otherwise). */
function checkBranches(values: unknown[], who: string): NamedArray[] {
  values.forEach((v, i) => {
    if (!(v instanceof NamedArray)) throw new LayerError(`${who}: branch ${i} returned ${typeof v}, not a NamedArray.`);
  });
  const arrays = values as NamedArray[];
  if (!arrays.every((a) => sameAxes(a, arrays[0]))) {
    throw new LayerError(
      `${who}: the branches returned different axes: ${arrays.map((a, i) => `branch ${i} ${formatNamedShape(a.namedShape)}`).join(', ')}. ` +
        `Every branch must produce the same named shape.`,
    );
  }
  return arrays;
}

function sameAxes(a: NamedArray, b: NamedArray): boolean {
  const sa = a.namedShape as Record<string, number>;
  const sb = b.namedShape as Record<string, number>;
  return a.names.length === b.names.length && a.names.every((n) => sa[n] === sb[n]) && a.positionalShape.join() === b.positionalShape.join();
}

/**
 * `delta(x) + x`: a residual connection (the delta must keep the input's axes).
 * @example new Residual({ delta: new Sequential({ sublayers: [norm, attention] }) })
 */
export class Residual extends Layer.define('Residual', { delta: child<Layer<NamedArray, NamedArray>>() })<NamedArray, NamedArray> {
  protected override forward(x: NamedArray, side: SideInputs): NamedArray {
    const d = this.delta.call(x, side);
    if (!(d instanceof NamedArray) || !sameAxes(d, x)) {
      const got = d instanceof NamedArray ? formatNamedShape(d.namedShape) : typeof d;
      throw new LayerError(`Residual: the delta returned ${got} but the input has ${formatNamedShape(x.namedShape)}; a residual delta must keep the input's axes.`);
    }
    // Adding to the input first keeps the residual stream's layout.
    return x.add(d);
  }
}

/** Runs every branch on the same input (passing all side inputs on) and folds the results pairwise with `combine`. */
abstract class BranchAndCombine extends Layer.define('BranchAndCombine', {
  branches: child<readonly Layer[]>().from((bs: readonly Layer[], typeName) => {
    if (!bs.length) throw new RangeError(`${typeName} needs at least one branch.`);
    return frozenList(bs);
  }),
})<NamedArray, NamedArray> {
  /** Combines two branch outputs (applied left to right). */
  protected abstract combine(acc: NamedArray, next: NamedArray): NamedArray;
  protected override forward(x: NamedArray, side: SideInputs): NamedArray {
    const outs = checkBranches(this.branches.map((b) => b.call(x, side)), this.typeName());
    return outs.slice(1).reduce((acc, o) => this.combine(acc, o), outs[0]);
  }
}

/**
 * Runs every branch on the same input and adds the results (all must have the same axes).
 * @example new BranchAndAddTogether({ branches: [pretrained, loraUpdate] })
 */
export class BranchAndAddTogether extends BranchAndCombine {
  static override readonly structName = 'BranchAndAddTogether';
  protected override combine(acc: NamedArray, next: NamedArray): NamedArray {
    return acc.add(next);
  }
}

/**
 * Runs every branch on the same input and multiplies the results (gated MLPs).
 * @example new BranchAndMultiplyTogether({ branches: [new NamedGroup({ name: 'gate', sublayers: [gateLinear, new Elementwise({ fn: 'gelu' })] }), valueLinear] })
 */
export class BranchAndMultiplyTogether extends BranchAndCombine {
  static override readonly structName = 'BranchAndMultiplyTogether';
  protected override combine(acc: NamedArray, next: NamedArray): NamedArray {
    return acc.mul(next);
  }
}
