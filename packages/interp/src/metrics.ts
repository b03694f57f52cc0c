/**
 * Metrics for patching and attribution: functions of the logits (and tokens) that reduce
 * everything except a `worlds` axis, so one metric serves a single run (a scalar), a batched
 * sweep (one value per world) and a gradient (summed to a scalar).
 */
import * as nx from '@penjing/named-array';
import type { NamedArray } from '@penjing/named-array';
import { tokenLossesFromLogits } from './losses.js';

/** Logits `{worlds?, batch…, seq, vocabulary}` and tokens → a value per world (or a scalar). */
export type Metric = (logits: NamedArray, tokens: NamedArray) => NamedArray;

/** The axis a sweep stacks its patched runs on. */
export const WORLDS_AXIS = 'worlds';

const meanExceptWorlds = (x: NamedArray) => {
  const rest = x.names.filter((n) => n !== WORLDS_AXIS);
  return rest.length ? (x.mean as (...n: string[]) => NamedArray)(...rest) : x;
};

/**
 * Mean next-token loss, over the given positions of `tokenLosses` (entry t is token t + 1).
 * @example lossMetric([16, 17, 18])(model.call(tokens), tokens).item()
 */
export function lossMetric(positions?: readonly number[]): Metric {
  return (logits, tokens) => {
    const losses = tokenLossesFromLogits(logits, tokens);
    const picked = positions ? losses.index({ seq: nx.fromArray([...positions], ['seq'], 'int32') }) : losses;
    return meanExceptWorlds(picked);
  };
}

/**
 * Mean logit difference `logit[good] − logit[bad]` at one position (TransformerLens's usual metric).
 * @example logitDiffMetric(12, 7, 9)
 */
export function logitDiffMetric(position: number, good: number, bad: number): Metric {
  return (logits) => {
    const at = logits.index({ seq: position });
    const d = at.index({ vocabulary: good }).sub(at.index({ vocabulary: bad }));
    return meanExceptWorlds(d);
  };
}
