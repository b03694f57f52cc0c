/**
 * Makes a traced decode step return only the cache rows it adds, not whole caches. The step is
 * traced writing its new entry after all but the last slot of each cache input
 * (`concat([slice(cache, 0..C−1), new])` along the cache axis, how `writeSlots` writes without
 * a scatter kernel); attention reads that result, so the input's last slot is scratch that the
 * caller keeps empty. Each such write becomes `_SetLastSlot` (one copy of the cache instead of
 * Slice's and Concat's two), and each cache output becomes its new entry: the caller keeps the
 * caches between steps and writes each row into them in place, where returning the caches
 * would copy every cache out of ONNX Runtime on every step.
 */
import { JitError, type TraceGraph, type TraceOp } from './graph.js';

/** Which graph input a cache output updates, and along which axis (of the input's data). */
export interface CacheOutput {
  readonly input: number;
  readonly axis: number;
  /** Names the cache in errors ('layer 3 keys'). */
  readonly what: string;
}

/**
 * The graph with output `o` replaced by the new row of `outputs.get(o)`'s cache, for each entry.
 * Throws a JitError naming the cache when an output is not such a write.
 * @example newCacheRowsOnly(graph, new Map([[1, { input: 2, axis: 1, what: 'positions' }]]))
 */
export function newCacheRowsOnly(graph: TraceGraph, outputs: ReadonlyMap<number, CacheOutput>): TraceGraph {
  const { values } = graph;
  const producer = new Map<number, TraceOp>();
  for (const op of graph.ops) for (const o of op.outputs) producer.set(o, op);
  const next = [...graph.outputs];
  const writes = new Map<TraceOp, TraceOp>();
  for (const [o, { input, axis, what }] of outputs) {
    const fail = (found: string): never => {
      throw new JitError(
        `jit generation: the decode step writes its ${what} cache by ${found}, not by concat([slice(cache, 0..length−1), new]) ` +
          `along axis ${axis} (how writeSlots in @penjing/transformer writes without a scatter kernel); the compiler cannot keep that cache out of the graph's outputs.`,
      );
    };
    const cat = producer.get(graph.outputs[o]!);
    if (cat?.kernel !== 'Concat' || cat.inputs.length !== 2) fail(cat ? `a '${cat.kernel}' kernel with ${cat.inputs.length} inputs` : 'passing a value through');
    const [head, fresh] = cat!.inputs.map((i) => values[i]!);
    const slice = producer.get(head!.id);
    const cache = slice?.kernel === 'Slice' ? values[slice.inputs[0]!] : undefined;
    if (!cache || cache.origin.kind !== 'input' || cache.origin.index !== input) fail(`concatenating something other than a slice of graph input ${input}`);
    const rank = cache!.shape.length;
    const catAxis = ((cat!.attrs.axis as number) + rank) % rank;
    const begin = slice!.attrs.begin as number[];
    const fits = catAxis === axis && begin.every((b) => b === 0) && fresh!.dtype === cache!.dtype &&
      cache!.shape.every((d, i) => head!.shape[i] === (i === axis ? d - 1 : d) && fresh!.shape[i] === (i === axis ? 1 : d));
    if (!fits) fail(`concatenating ${head!.shape.join('×')} and ${fresh!.shape.join('×')} along axis ${catAxis} (cache ${cache!.shape.join('×')})`);
    next[o] = fresh!.id;
    writes.set(cat!, { ...cat!, kernel: '_SetLastSlot', inputs: [cache!.id, fresh!.id], inputNames: ['cache', 'fresh'], attrs: { axis } });
  }
  return { ...graph, ops: graph.ops.map((op) => writes.get(op) ?? op), outputs: next };
}
