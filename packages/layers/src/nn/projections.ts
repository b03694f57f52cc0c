import { select, type Selection } from '../select/selection.js';
import { Linear } from './linear.js';

/**
 * True for a Linear that projects: it contracts at least one input axis. Norm scales
 * (RMSLayerNorm / LayerNorm, qk-norm included) are Linears with no input axes — an elementwise
 * scale — and adapting them (LoRA) adds cost without the expressiveness LoRA is for.
 * @example select(model).atInstancesOf(Linear).where(isProjection)
 */
export function isProjection(x: unknown): x is Linear {
  return x instanceof Linear && x.inAxisNames.length > 0;
}

/**
 * The projection Linears of a tree (what LoRA adapts), leaving out norm scales. In Penzai's
 * LoRA tutorial `select(model).atInstancesOf(Linear)` would also catch every norm scale.
 * @example selectProjections(model).apply((l) => LowRankAdapter.wrap(l, { rank: 2 }))
 */
export function selectProjections<R>(tree: R): Selection<Linear, R> {
  return select(tree).atInstancesOf(Linear).where(isProjection);
}
