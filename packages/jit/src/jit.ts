/**
 * `jit(model)`: compiles a layer tree to ONNX per input signature and runs it on ONNX Runtime.
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import { isArrayLeaf, mapLeaves, type Layer, type SideInputs } from '@penjing/layers';
import { traceCall, type Trace } from './trace/capture.js';
import type { TraceGraph } from './trace/graph.js';
import { CompiledGraph } from './runtime/compiled.js';
import { signatureOf } from './runtime/signature.js';
import { WeightFile } from './runtime/weights.js';
import { WeightBuffer, isWebOrt } from './runtime/web.js';
import { coreCount, loadOrt } from './runtime/ort.js';
import { nodeFs, nodeOs } from './runtime/node.js';
import { makeWorkDir } from './runtime/work-dir.js';
import { padPlan, bucketLength, padInput, unpadResult, type PadPlan } from './buckets.js';

/** Progress of a compilation. */
export interface CompileProgress {
  readonly phase: 'trace' | 'weights' | 'session';
  /** Parameters written so far (weights phase). */
  readonly done?: number;
  readonly total?: number;
  readonly elapsedMs: number;
}

/** One finished compilation. */
export interface CompileReport {
  readonly signature: string;
  readonly kernels: number;
  readonly traceMs: number;
  readonly weightsMs: number;
  readonly sessionMs: number;
  readonly totalMs: number;
  /** Where the graph runs: 'cpu' (onnxruntime-node), 'wasm' or 'webgpu' (onnxruntime-web). */
  readonly provider: string;
}

/** Options of {@link jit}. */
export interface JitOptions {
  /**
   * Pad the `seq` axis of token inputs up to a bucket length so nearby lengths share one graph
   * (with the model's pad id, which its positions and masks already ignore); outputs are cut
   * back. `'auto'` (default) buckets when the tree derives positions from tokens with a pad id.
   * `false` compiles every length exactly; an array gives the bucket lengths.
   */
  readonly buckets?: 'auto' | false | readonly number[];
  /** ONNX Runtime intra-op threads (default: the machine's cores). */
  readonly threads?: number;
  /**
   * Whether ONNX Runtime prepacks the MatMul weights of each compiled graph: faster prefill
   * (about 1.2–1.5× on the matrix products of long prompts), but every compiled shape then
   * holds its own packed copy of the weights. Without it, every shape reads one shared,
   * memory-mapped copy. `'auto'` (default) prepacks models whose weights take at most 1.5 GiB.
   */
  readonly prepack?: boolean | 'auto';
  /** Receives compile progress (trace, weights written, session created). */
  readonly onProgress?: (p: CompileProgress) => void;
  /** Receives a report per compilation; default prints one line when a compilation takes over a second. */
  readonly onCompile?: (r: CompileReport) => void;
}

/**
 * A compiled view of a layer tree: `call` has the tree's own call signature (asynchronous)
 * and returns what the tree returns, computed by ONNX Runtime.
 */
export class JittedModel<I = unknown, O = unknown> {
  private readonly graphs = new Map<string, Promise<CompiledGraph>>();
  private weights: Promise<WeightFile | WeightBuffer> | undefined;
  private disposed = false;
  private count = 0;
  /** Every compilation so far. */
  readonly reports: CompileReport[] = [];
  private readonly plan: PadPlan | null;

  constructor(
    readonly model: Layer<I, O>,
    readonly options: JitOptions = {},
  ) {
    checkOptions(options);
    this.plan = padPlan(model, options.buckets ?? 'auto');
  }

  /**
   * Runs the compiled model: `model.call(input, sideInputs)`, on ONNX Runtime. Compiles on the
   * first call with a new signature. Input values are checked first (as eager calls do).
   *
   * @example const logits = await fast.call(tokens, { returnLastOnly: true });
   */
  async call(input: I, sideInputs: SideInputs = {}): Promise<O> {
    if (this.disposed) throw new Error('jit: this compiled model was disposed; call jit(model) again.');
    const padded = this.plan ? padInput(this.plan, input, sideInputs) : null;
    try {
      const args: [unknown, SideInputs] = [padded ? padded.input : input, sideInputs];
      const out = await this.runTraced(args, (m, [x, side]) => m.call(x as I, side));
      return (padded ? unpadResult(out, padded) : out) as O;
    } finally {
      padded?.dispose();
    }
  }

  /**
   * Runs `fn(model, args)` compiled: `args` is any value whose arrays become graph inputs.
   * Used by generation to compile a caching step with its cache bookkeeping. @internal
   */
  async runTraced<A>(args: A, fn: (model: Layer<I, O>, args: A) => unknown, key = ''): Promise<unknown> {
    const g = await this.graphFor(args, fn, key);
    const leaves: tf.Tensor[] = [];
    mapLeaves(args, (leaf) => {
      if (isArrayLeaf(leaf)) leaves.push(leaf instanceof NamedArray ? leaf.data : leaf);
      return leaf;
    }, isArrayLeaf);
    return g.run(leaves);
  }

  /** The compiled graph of `fn` for the signature of `args` (compiling it on first use). @internal */
  graphFor<A>(args: A, fn: (model: Layer<I, O>, args: A) => unknown, key = '', transform?: (g: TraceGraph) => TraceGraph): Promise<CompiledGraph> {
    if (this.disposed) return Promise.reject(new Error('jit: this compiled model was disposed; call jit(model) again.'));
    const signature = key + signatureOf(args);
    let graph = this.graphs.get(signature);
    if (!graph) {
      graph = this.compile(signature, args, fn, transform);
      this.graphs.set(signature, graph);
      graph.catch(() => this.graphs.delete(signature));
    }
    return graph;
  }

  /** How many graphs are compiled (one per signature). @example fast.compiledSignatures // 2 */
  get compiledSignatures(): number {
    return this.graphs.size;
  }

  /** Releases every session and the weights file. @example fast.dispose() */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const graphs = [...this.graphs.values()];
    this.graphs.clear();
    for (const g of graphs) await g.then((x) => x.dispose(), () => undefined);
    if (this.weights) {
      const w = await this.weights.catch(() => undefined);
      if (w instanceof WeightBuffer) await w.close();
      else if (w) {
        await w.close();
        const fs = await nodeFs();
        leftovers.delete(w.dir);
        if (!(globalThis as { process?: { env?: Record<string, string> } }).process?.env?.PENJING_JIT_KEEP) fs.rmSync(w.dir, { recursive: true, force: true });
      }
    }
  }

  private async compile<A>(signature: string, args: A, fn: (model: Layer<I, O>, args: A) => unknown, transform?: (g: TraceGraph) => TraceGraph): Promise<CompiledGraph> {
    const started = performance.now();
    const progress = this.options.onProgress;
    progress?.({ phase: 'trace', elapsedMs: 0 });
    const raw: Trace = traceCall(this.model, args, fn);
    const trace: Trace = transform ? { ...raw, graph: transform(raw.graph) } : raw;
    const traced = performance.now();
    const weights = await this.weightFile();
    await weights.add(trace.graph.params, (done, total) => progress?.({ phase: 'weights', done, total, elapsedMs: performance.now() - started }));
    const written = performance.now();
    progress?.({ phase: 'session', elapsedMs: written - started });
    const threads = this.options.threads ?? (await cores());
    const graph = await CompiledGraph.create(trace, weights, this.count++, { threads, prepack: this.prepack(trace) });
    const done = performance.now();
    const report: CompileReport = {
      signature, kernels: trace.graph.ops.length, traceMs: traced - started, weightsMs: written - traced, sessionMs: done - written, totalMs: done - started, provider: graph.provider,
    };
    this.reports.push(report);
    if (this.options.onCompile) this.options.onCompile(report);
    else if (report.totalMs > 1000) {
      console.info(`@penjing/jit: compiled ${report.kernels} kernels in ${(report.totalMs / 1000).toFixed(1)} s (trace ${report.traceMs.toFixed(0)} ms, weights ${report.weightsMs.toFixed(0)} ms, ORT session ${report.sessionMs.toFixed(0)} ms)`);
    }
    return graph;
  }

  private prepack(trace: Trace): boolean {
    const p = this.options.prepack ?? 'auto';
    if (p !== 'auto') return p;
    let bytes = 0;
    for (const v of trace.graph.values) if (v.origin.kind === 'param' && !v.origin.view) bytes += 4 * v.shape.reduce((a, b) => a * b, 1);
    return bytes <= 1.5 * 2 ** 30;
  }

  private weightFile(): Promise<WeightFile | WeightBuffer> {
    this.weights ??= (async () => {
      // ONNX Runtime Web reads no files: its sessions get the weights from memory.
      if (isWebOrt((await loadOrt()).ort)) return new WeightBuffer();
      const fs = await nodeFs();
      const dir = await makeWorkDir();
      removeAtExit(dir, (d) => fs.rmSync(d, { recursive: true, force: true }));
      return new WeightFile(dir);
    })();
    return this.weights;
  }
}

function checkOptions(o: JitOptions): void {
  const problems: string[] = [];
  const b = o.buckets;
  if (b !== undefined && b !== 'auto' && b !== false && !(Array.isArray(b) && b.length && b.every((n) => Number.isInteger(n) && n > 0))) {
    problems.push(`buckets must be 'auto', false or a list of positive integer lengths (got ${JSON.stringify(b)})`);
  }
  if (o.threads !== undefined && !(Number.isInteger(o.threads) && o.threads > 0)) problems.push(`threads must be a positive integer (got ${o.threads})`);
  if (o.prepack !== undefined && o.prepack !== 'auto' && typeof o.prepack !== 'boolean') problems.push(`prepack must be true, false or 'auto' (got ${JSON.stringify(o.prepack)})`);
  for (const k of ['onProgress', 'onCompile'] as const) if (o[k] !== undefined && typeof o[k] !== 'function') problems.push(`${k} must be a function`);
  const known = ['buckets', 'threads', 'prepack', 'onProgress', 'onCompile'];
  const unknown = Object.keys(o).filter((k) => !known.includes(k));
  if (unknown.length) problems.push(`unknown options ${unknown.join(', ')} (known: ${known.join(', ')})`);
  if (problems.length) throw new RangeError(`jit: ${problems.join('; ')}.`);
}

const leftovers = new Set<string>();
let exitListener = false;

/** A model nobody disposed still leaves no weights file behind when the process ends (one exit listener for all). */
function removeAtExit(dir: string, remove: (dir: string) => void): void {
  const proc = (globalThis as { process?: { once?(e: string, f: () => void): void; env?: Record<string, string> } }).process;
  if (proc?.env?.PENJING_JIT_KEEP) return;
  if (!exitListener) proc?.once?.('exit', () => leftovers.forEach(remove));
  exitListener = true;
  leftovers.add(dir);
}

async function cores(): Promise<number> {
  if (!(globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node) return coreCount();
  const os = await nodeOs();
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

/**
 * Compiles a layer tree to ONNX and runs it on ONNX Runtime (`onnxruntime-node` in Node and
 * Deno, `onnxruntime-web` in browsers). Any tree compiles — patched or not, with side inputs
 * and side outputs — as long as its forward pass does not read tensor values or make shapes
 * from them (that is an error naming the layer path). Graphs are cached per input signature.
 *
 * @example
 * const fast = jit(model);
 * const logits = await fast.call(tokens);                 // model.call(tokens), on ONNX Runtime
 * const { output, sideOutputs } = await jit(new CollectSideOutputs({ body: probed })).call(tokens);
 * await fast.dispose();
 */
export function jit<I, O>(model: Layer<I, O>, options: JitOptions = {}): JittedModel<I, O> {
  return new JittedModel(model, options);
}

export { bucketLength };
