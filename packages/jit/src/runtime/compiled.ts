/**
 * One compiled graph: an ONNX Runtime session for one input signature, the structure of the
 * result, and the checks to run on input values before the session runs.
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import { isArrayLeaf, mapLeaves } from '@penjing/layers';
import type { InferenceSession } from 'onnxruntime-common';
import type { InputCheck, OutputLeaf, Trace } from '../trace/capture.js';
import { writeModel } from '../onnx/write.js';
import type { WeightFile } from './weights.js';
import { loadOrt, type Ort } from './ort.js';

/** Session settings: ORT's full graph optimisation, intra-op threads = cores. */
export interface SessionSettings {
  readonly threads: number;
}

export class CompiledGraph {
  private constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    private readonly template: unknown,
    private readonly checks: readonly InputCheck[],
    readonly nodeCount: number,
  ) {}

  /** Writes the model beside the weights file and opens a session on it. */
  static async create(trace: Trace, weights: WeightFile, index: number, settings: SessionSettings): Promise<CompiledGraph> {
    const { ort } = await loadOrt();
    const bytes = writeModel(trace.graph, (label) => weights.locate(label));
    const fs = await import('node:fs');
    const path = await import('node:path');
    const file = path.join(weights.dir, `graph_${index}.onnx`);
    fs.writeFileSync(file, bytes);
    const session = await ort.InferenceSession.create(file, {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: settings.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    });
    return new CompiledGraph(ort, session, trace.template, trace.checks, trace.graph.ops.length);
  }

  /** Runs the input checks on real values (the errors eager calls give). */
  async check(leaves: readonly tf.Tensor[]): Promise<void> {
    for (const c of this.checks) c.check((await leaves[c.input]!.data()) as ArrayLike<number>);
  }

  /** Runs the session on the input leaves (in leaf order) and rebuilds the result on tfjs. */
  async run(leaves: readonly tf.Tensor[]): Promise<unknown> {
    await this.check(leaves);
    const feeds: Record<string, InstanceType<Ort['Tensor']>> = {};
    for (let i = 0; i < leaves.length; i++) {
      const t = leaves[i]!;
      const data = await t.data();
      feeds[`input_${i}`] = new this.ort.Tensor(t.dtype === 'bool' ? 'bool' : (t.dtype as 'float32' | 'int32'), data as Float32Array, t.shape);
    }
    const results = await this.session.run(feeds);
    const outs: tf.Tensor[] = [];
    try {
      for (let i = 0; ; i++) {
        const r = results[`output_${i}`];
        if (!r) break;
        outs.push(tf.tensor(r.data as Float32Array, [...r.dims], r.type === 'bool' ? 'bool' : (r.type as 'float32' | 'int32')));
        r.dispose?.();
      }
    } catch (e) {
      tf.dispose(outs);
      throw e;
    }
    return mapLeaves(this.template, (leaf) => {
      if (!isOutputLeaf(leaf)) return leaf;
      const t = outs[leaf.output]!;
      return leaf.axes ? new NamedArray(t, leaf.axes as never) : t;
    }, isOutputLeaf);
  }

  /** Releases the session. */
  async dispose(): Promise<void> {
    await this.session.release();
  }
}

function isOutputLeaf(x: unknown): x is OutputLeaf {
  return !!x && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype && 'output' in x && 'axes' in x && Object.keys(x).length === 2;
}

export { isArrayLeaf };
