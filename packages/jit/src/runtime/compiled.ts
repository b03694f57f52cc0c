/**
 * One compiled graph: an ONNX Runtime session for one input signature, the structure of the
 * result, and the checks to run on input values before the session runs.
 */
import { nodeIo } from '@penjing/io';
import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import { isArrayLeaf, mapLeaves } from '@penjing/layers';
import type { InferenceSession } from 'onnxruntime-common';
import type { InputCheck, OutputLeaf, Trace } from '../trace/capture.js';
import { writeModel } from '../onnx/write.js';
import type { WeightFile } from './weights.js';
import { loadOrt, type Ort } from './ort.js';
import { WeightBuffer, createWebSession } from './web.js';
import { cpuBackend } from '../cpu-backend.js';

/** Session settings: ORT's full graph optimisation, intra-op threads = cores. */
export interface SessionSettings {
  readonly threads: number;
  /** Let ORT prepack MatMul weights (faster prefill; a private copy of the weights per session). */
  readonly prepack: boolean;
}

export class CompiledGraph {
  private constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    private readonly template: unknown,
    private readonly checks: readonly InputCheck[],
    readonly nodeCount: number,
    /** Where the session runs: 'cpu' (onnxruntime-node), 'wasm' or 'webgpu' (onnxruntime-web). */
    readonly provider: string = 'cpu',
  ) {}

  /** Writes the model beside the weights file and opens a session on it. */
  static async create(trace: Trace, weights: WeightFile | WeightBuffer, index: number, settings: SessionSettings): Promise<CompiledGraph> {
    const { ort } = await loadOrt();
    const bytes = writeModel(trace.graph, (label) => weights.locate(label));
    if (weights instanceof WeightBuffer) {
      // The web route (no file system): model bytes and in-memory weights go to the session directly.
      const { session, provider } = await createWebSession(ort, bytes, weights, {
        graphOptimizationLevel: 'all',
        ...(settings.prepack ? {} : { extra: { session: { disable_prepacking: '1' } } }),
      });
      return new CompiledGraph(ort, session, trace.template, trace.checks, trace.graph.ops.length, provider);
    }
    const { writeFileAtomic } = await nodeIo('compiling a model');
    const file = `${weights.dir}/graph_${index}.onnx`;
    await writeFileAtomic(file, bytes);
    const session = await ort.InferenceSession.create(file, {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: settings.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      // Without prepacking, MatMul reads the weights from the memory-mapped weights file, one
      // copy shared by every session; with it, each session keeps its own packed copy.
      ...(settings.prepack ? {} : { extra: { session: { disable_prepacking: '1' } } }),
      ...(typeof process !== 'undefined' && process.env?.PENJING_JIT_PROFILE ? { enableProfiling: true, profileFilePrefix: file } : {}),
      ...(typeof process !== 'undefined' && process.env?.PENJING_JIT_OPTIMIZED ? { optimizedModelFilePath: file + '.opt.onnx' } : {}),
    });
    return new CompiledGraph(ort, session, trace.template, trace.checks, trace.graph.ops.length);
  }

  /** Runs the input checks on real values (the errors eager calls give). */
  async check(leaves: readonly tf.Tensor[]): Promise<void> {
    for (const c of this.checks) c.check((await leaves[c.input]!.data()) as ArrayLike<number>);
  }

  /** An ONNX Runtime tensor holding a tfjs tensor's values. */
  async toOrt(t: tf.Tensor): Promise<OrtTensor> {
    const data = await t.data();
    return new this.ort.Tensor(t.dtype === 'bool' ? 'bool' : (t.dtype as 'float32' | 'int32'), data as Float32Array, t.shape);
  }

  /** An ONNX Runtime int32 tensor. */
  toOrtValues(values: Int32Array, dims: readonly number[]): OrtTensor {
    return new this.ort.Tensor('int32', values, dims);
  }

  /** Runs the session on ORT tensors (graph inputs in order); returns the outputs in order. */
  async runOrt(feeds: readonly OrtTensor[]): Promise<OrtTensor[]> {
    const named: Record<string, OrtTensor> = {};
    feeds.forEach((f, i) => (named[`input_${i}`] = f));
    const results = await this.session.run(named);
    const outs: OrtTensor[] = [];
    for (let i = 0; results[`output_${i}`]; i++) outs.push(results[`output_${i}`]!);
    return outs;
  }

  /** Runs the session on the input leaves (in leaf order) and rebuilds the result on tfjs. */
  async run(leaves: readonly tf.Tensor[]): Promise<unknown> {
    await this.check(leaves);
    const results = await this.runOrt(await Promise.all(leaves.map((t) => this.toOrt(t))));
    const outs: tf.Tensor[] = [];
    try {
      for (const r of results) outs.push(ortToTf(r));
    } catch (e) {
      tf.dispose(outs);
      throw e;
    }
    return mapLeaves(this.template, (leaf) => {
      if (!isOutputLeaf(leaf)) return leaf;
      const t = outs[leaf.output]!;
      return leaf.axes ? new NamedArray(t, leaf.axes) : t;
    }, isOutputLeaf);
  }

  /** Releases the session. */
  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** ONNX Runtime's tensor type. */
export type OrtTensor = InstanceType<Ort['Tensor']>;

/**
 * A tfjs tensor with an ORT tensor's values. Float32 and int32 values are adopted rather than
 * copied: the tensor is made on tfjs's CPU backend, which keeps the typed array ONNX Runtime
 * returned, and tfjs moves it to the active backend (the wasm heap, a GPU) when a kernel there
 * first reads it. Logits that are only read, or dropped, are then never copied again — at 512
 * tokens of a 262,144-word vocabulary that copy is 512 MB, a third of the prefill's time.
 * @example ortToTf(outputs[0])
 */
export function ortToTf(r: OrtTensor): tf.Tensor {
  const dims = [...r.dims];
  const cpu = cpuBackend();
  if (cpu && ((r.type === 'float32' && r.data instanceof Float32Array) || (r.type === 'int32' && r.data instanceof Int32Array))) {
    return tf.engine().makeTensorFromDataId(cpu.write(r.data, dims, r.type), dims, r.type, cpu);
  }
  return tf.tensor(r.data as Float32Array, dims, r.type === 'bool' ? 'bool' : (r.type as 'float32' | 'int32'));
}

function isOutputLeaf(x: unknown): x is OutputLeaf {
  return !!x && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype && 'output' in x && 'axes' in x && Object.keys(x).length === 2;
}

export { isArrayLeaf };
