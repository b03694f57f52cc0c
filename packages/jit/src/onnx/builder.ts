/**
 * Builds an ONNX graph with the `onnx-proto` message classes (protobufjs): nodes, constant
 * initializers and attributes. The kernels' emitters write through this.
 */
import onnxProto from 'onnx-proto';
import type { TraceDtype } from '../trace/graph.js';

export const { onnx } = onnxProto as unknown as { onnx: typeof import('onnx-proto').onnx };
export type NodeProto = import('onnx-proto').onnx.INodeProto;
export type TensorProto = import('onnx-proto').onnx.ITensorProto;

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE = { float32: 1, int32: 6, int64: 7, bool: 9 } as const;

/** An attribute value: number (int), `{ f }` (float), string, number[] (ints), `{ floats }`. */
export type AttrValue = number | { f: number } | string | readonly number[] | { floats: readonly number[] };

/** Collects nodes and initializers; names temporaries uniquely. */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private counter = 0;
  private readonly int64Cache = new Map<string, string>();

  /** A fresh value name. @example b.tmp('t') // 't_12' */
  tmp(hint = 't'): string {
    return `${hint}_${this.counter++}`;
  }

  /** Appends a node; returns its first output's name. @example b.node('Add', [a, c], [out]) */
  node(opType: string, inputs: readonly string[], outputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}, domain = '', name?: string): string {
    this.nodes.push({
      opType,
      domain,
      name: name ?? `${opType}_${this.counter++}`,
      input: [...inputs],
      output: [...outputs],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outputs[0]!;
  }

  /** A node with one fresh output. @example const s = b.op('Sqrt', [x]) */
  op(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}, domain = ''): string {
    return this.node(opType, inputs, [this.tmp(opType.toLowerCase())], attrs, domain);
  }

  /** A 1-D int64 constant (shapes, axes), shared by content. @example b.int64([0, 2, 1]) */
  int64(values: readonly number[]): string {
    const key = values.join(',');
    const known = this.int64Cache.get(key);
    if (known) return known;
    const name = this.tmp('i64');
    const bytes = new Uint8Array(new BigInt64Array(values.map((v) => BigInt(v))).buffer);
    this.initializers.push({ name, dataType: ONNX_DTYPE.int64, dims: [values.length], rawData: bytes });
    this.int64Cache.set(key, name);
    return name;
  }

  /** A constant tensor initializer with its values inline. @example b.constant(new Float32Array([1]), [], 'float32') */
  constant(values: Float32Array | Int32Array | Uint8Array, shape: readonly number[], dtype: TraceDtype, name = this.tmp('c')): string {
    const raw = dtype === 'bool' ? Uint8Array.from(values, (x) => (x ? 1 : 0)) : new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
    this.initializers.push({ name, dataType: ONNX_DTYPE[dtype], dims: [...shape], rawData: raw });
    return name;
  }

  /** A scalar constant of a dtype. @example b.scalar(1, 'float32') */
  scalar(value: number, dtype: TraceDtype): string {
    const arr = dtype === 'float32' ? new Float32Array([value]) : dtype === 'int32' ? new Int32Array([value]) : new Uint8Array([value ? 1 : 0]);
    return this.constant(arr, [], dtype);
  }
}

function attribute(name: string, v: AttrValue): import('onnx-proto').onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: [...(v as number[])] };
  if ('f' in (v as object)) return { name, type: T.FLOAT, f: (v as { f: number }).f };
  return { name, type: T.FLOATS, floats: [...(v as { floats: number[] }).floats] };
}
