/**
 * The decoder block types of a transformer language model, as in Penzai's
 * `TransformerBlock`: Sequentials whose class names them in printed trees and selectors.
 * The family packages build them (e.g. `@penjing/gemma`'s `buildBlock`).
 */
import { Sequential } from '@penjing/layers';

/**
 * One decoder block; a Sequential whose type names it in printed trees and selectors
 * (`select(model).atInstancesOf(TransformerBlock)`).
 *
 * @example
 * select(model).atInstancesOf(TransformerBlock).pickNth(5)
 */
export class TransformerBlock extends Sequential {
  static override readonly structName = 'TransformerBlock';
}

/**
 * The gated MLP: `out_linear(gelu(gating_linear(x)) · value_linear(x))`.
 *
 * @example
 * select(model).atInstancesOf(TransformerFeedForward)
 */
export class TransformerFeedForward extends Sequential {
  static override readonly structName = 'TransformerFeedForward';
}
