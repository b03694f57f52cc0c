/**
 * Turns the static cache writes of a traced KV-caching step into writes at a slot given at run
 * time. The step is traced writing its new entries after all but the last slots
 * (`concat([slice(cache, 0..E), new])` along the cache axis); here each such write becomes a
 * scatter of the new entries into the input cache at the slot input's value. Attention reads
 * cache slots through their positions, never their order, so one decode graph serves every
 * step, and each step copies each cache tensor once.
 */
import type { TraceGraph, TraceOp } from './graph.js';

/**
 * Rewrites writes into the given cache inputs (graph input indices) to use input `slotInput`.
 * @example dynamicCacheWrites(trace.graph, 2, new Set([3, 4, 5]))
 */
export function dynamicCacheWrites(graph: TraceGraph, slotInput: number, cacheInputs: ReadonlySet<number>): TraceGraph {
  const { values } = graph;
  const producer = new Map<number, TraceOp>();
  for (const op of graph.ops) for (const o of op.outputs) producer.set(o, op);
  const slot = values.find((v) => v.origin.kind === 'input' && v.origin.index === slotInput)!;
  const ops = graph.ops.map((op) => {
    if (op.kernel !== 'Concat' || op.inputs.length !== 2) return op;
    const [head, fresh] = op.inputs.map((i) => values[i]!);
    const slice = producer.get(head!.id);
    const cache = slice?.kernel === 'Slice' ? values[slice.inputs[0]!]! : undefined;
    if (!cache || cache.origin.kind !== 'input' || !cacheInputs.has(cache.origin.index)) return op;
    const rank = cache.shape.length;
    const axis = (((op.attrs.axis as number[] | number) as number) + rank) % rank;
    const begin = slice!.attrs.begin as number[];
    const fits = begin.every((b) => b === 0) && head!.shape.every((d, i) => i === axis || d === cache.shape[i]);
    if (!fits || head!.shape[axis]! + fresh!.shape[axis]! !== cache.shape[axis] || fresh!.dtype !== cache.dtype) return op;
    return { ...op, kernel: '_WriteSlot', inputs: [cache.id, fresh!.id, slot.id], inputNames: ['cache', 'fresh', 'slot'], attrs: { axis } };
  });
  return { ...graph, ops };
}
