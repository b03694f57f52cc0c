/**
 * The kernel table: for each tfjs kernel the compiler understands, its shape rule (used by the
 * trace backend) and its ONNX emitter (used by the graph writer). A kernel that is not here is
 * not registered on the trace backend, so a forward pass using it fails during the trace with
 * the layer path and the kernel's name.
 */
import { registerTraceKernel, type ShapeRule } from '../trace/backend.js';
import type { TraceOp, TraceValue } from '../trace/graph.js';
import type { GraphBuilder } from '../onnx/builder.js';

/** What an emitter sees: the builder, the op, the ONNX names of its inputs and outputs. */
export interface EmitArgs {
  readonly b: GraphBuilder;
  readonly op: TraceOp;
  readonly ins: readonly TraceValue[];
  readonly outs: readonly TraceValue[];
  readonly inNames: readonly string[];
  readonly outNames: readonly string[];
  readonly attrs: Readonly<Record<string, any>>;
}

export type Emitter = (a: EmitArgs) => void;

export interface KernelDef {
  readonly shape: ShapeRule;
  readonly emit: Emitter;
}

const table = new Map<string, KernelDef>();

/** Adds a kernel to the compiler. @example defineKernel('Exp', { shape: ([x]) => [{ shape: [...x!.shape], dtype: x!.dtype }], emit: ({ b, inNames, outNames }) => { b.node('Exp', inNames, outNames); } }) */
export function defineKernel(name: string, def: KernelDef): void {
  table.set(name, def);
  registerTraceKernel(name, def.shape);
}

/** The definition of a kernel, if compiled. @example kernelDef('Softmax')?.emit */
export function kernelDef(name: string): KernelDef | undefined {
  return table.get(name);
}

/** Names of every compiled kernel. @example compiledKernels().includes('BatchMatMul') // true */
export function compiledKernels(): string[] {
  return [...table.keys()].filter((k) => !k.startsWith('_')).sort();
}
