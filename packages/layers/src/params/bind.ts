import * as E from 'fp-ts/lib/Either.js';
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import type { KeyPath } from '../tree/keypath.js';
import { describe } from '../tree/tree.js';
import { Parameter, ParameterSlot } from './parameter.js';
import { mapParameterNodes, parameterSlots, parameters, sameNamedShape, visitParameterNodes, where } from './collect.js';

/** One reason a binding cannot be made; `bindParametersE` returns all of them at once. */
export type BindingProblem =
  | { readonly kind: 'missing'; readonly label: string; readonly paths: readonly KeyPath[] }
  | { readonly kind: 'unused'; readonly label: string }
  | {
      readonly kind: 'shape';
      readonly label: string;
      readonly expected: Readonly<Record<string, number>>;
      readonly actual: Readonly<Record<string, number>>;
      readonly paths: readonly KeyPath[];
    }
  | { readonly kind: 'notNamedArray'; readonly label: string; readonly got: string }
  | { readonly kind: 'alreadyBound'; readonly label: string; readonly slotPaths: readonly KeyPath[]; readonly boundAt: KeyPath };

/**
 * Raised by `bindParameters`, listing every problem found (also as data, in `problems`).
 * @example try { bindParameters(structure, weights); } catch (e) { if (e instanceof ParameterBindingError) console.log(e.problems.filter((p) => p.kind === 'missing')); }
 */
export class ParameterBindingError extends Error {
  override readonly name = 'ParameterBindingError';
  constructor(readonly problems: readonly BindingProblem[]) {
    super(`Cannot bind parameters (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  ${describeProblem(p)}`).join('\n')}`);
  }
}

/** Options of `bindParameters`. */
export interface BindOptions {
  /** Accept values whose label matches no slot (default false: they are reported). */
  allowUnused?: boolean;
  /** Leave slots without a value in place (default false: they are reported). */
  allowMissing?: boolean;
  /** Trainability of the bound Parameters (default: true for plain values, unchanged for Parameters). */
  trainable?: boolean;
}

/** Values to bind: NamedArrays by label, or Parameters (their labels say where they go). */
export type ParameterValues = Readonly<Record<string, NamedArray>> | ReadonlyMap<string, NamedArray> | readonly Parameter[];

/**
 * Binds values to a tree's slots by label, as a value: `Right(tree)` or `Left(problems)` with
 * every missing, unused, mis-shaped or conflicting label at once. Slots sharing a label all
 * receive the same Parameter object, so a tie stays one tensor.
 * @example
 * import * as E from 'fp-ts/lib/Either.js';
 * const r = bindParametersE(structure, weights);
 * if (E.isLeft(r)) console.log(r.left.map((p) => p.label));
 */
export function bindParametersE<T>(tree: T, values: ParameterValues, opts: BindOptions = {}): E.Either<readonly BindingProblem[], T> {
  const given = toEntries(values, opts.trainable);
  const problems: BindingProblem[] = [];
  const slots = parameterSlots(tree);
  const bound = new Map<string, KeyPath>();
  visitParameterNodes(tree, (node, path) => {
    if (node instanceof Parameter && !bound.has(node.label)) bound.set(node.label, path);
  });
  const chosen = new Map<string, Parameter>();
  for (const s of slots) {
    if (!given.has(s.label)) {
      if (!opts.allowMissing) problems.push({ kind: 'missing', label: s.label, paths: s.paths });
      continue;
    }
    const entry = given.get(s.label);
    const array = entry instanceof Parameter ? entry.value : entry;
    if (!(array instanceof NamedArray)) {
      problems.push({ kind: 'notNamedArray', label: s.label, got: describe(array) });
      continue;
    }
    const boundAt = bound.get(s.label);
    if (boundAt) {
      problems.push({ kind: 'alreadyBound', label: s.label, slotPaths: s.paths, boundAt });
      continue;
    }
    if (s.namedShape && !sameNamedShape(s.namedShape, array.namedShape)) {
      problems.push({ kind: 'shape', label: s.label, expected: s.namedShape, actual: array.namedShape, paths: s.paths });
      continue;
    }
    chosen.set(s.label, entry instanceof Parameter ? entry : new Parameter({ label: s.label, value: array, trainable: opts.trainable ?? true }));
  }
  if (!opts.allowUnused) {
    const slotLabels = new Set(slots.map((s) => s.label));
    for (const label of given.keys()) if (!slotLabels.has(label)) problems.push({ kind: 'unused', label });
  }
  if (problems.length) return E.left(problems);
  return E.right(mapParameterNodes(tree, (node) => (node instanceof ParameterSlot ? (chosen.get(node.label) ?? node) : node)));
}

/**
 * Binds values to a tree's slots by label (how checkpoints load), failing with one
 * `ParameterBindingError` that lists every problem. Tied slots get one Parameter object.
 * @example
 * const model = bindParameters(buildMlp({ withValues: false }), { 'mlp/in.weights': w1, 'mlp/out.weights': w2 });
 */
export function bindParameters<T>(tree: T, values: ParameterValues, opts: BindOptions = {}): T {
  const r = bindParametersE(tree, values, opts);
  if (E.isLeft(r)) throw new ParameterBindingError(r.left);
  return r.right;
}

/** What `unbindParameters` returns. */
export interface Unbound<T> {
  /** The tree with a slot (carrying the label and named shape) in place of each unbound Parameter. */
  readonly tree: T;
  /** The values by label. */
  readonly values: Record<string, NamedArray>;
  /** The Parameter objects themselves (bind them back to restore the tree exactly, trainability included). */
  readonly parameters: readonly Parameter[];
}

/**
 * Replaces Parameters (all, or those `where` picks) by slots, returning the values by label;
 * tied Parameters become one slot object. Fails on label conflicts like `parameters`.
 * @example
 * const { tree: structure, values } = unbindParameters(model);
 * bindParameters(structure, values); // the same model, with new Parameter objects
 */
export function unbindParameters<T>(tree: T, opts: { where?: (p: Parameter, paths: readonly KeyPath[]) => boolean } = {}): Unbound<T> {
  const picked = parameters(tree).filter((i) => !opts.where || opts.where(i.parameter, i.paths));
  const chosen = new Set<Parameter>(picked.map((i) => i.parameter));
  const values: Record<string, NamedArray> = {};
  for (const i of picked) values[i.label] = i.parameter.value;
  const out = mapParameterNodes(tree, (node) =>
    node instanceof Parameter && chosen.has(node) ? new ParameterSlot({ label: node.label, namedShape: { ...node.value.namedShape } }) : node,
  );
  return { tree: out, values, parameters: picked.map((i) => i.parameter) };
}

/** Normalises the values to label → Parameter or raw value (raw values become Parameters once checked). */
function toEntries(values: ParameterValues, trainable: boolean | undefined): Map<string, Parameter | unknown> {
  const out = new Map<string, Parameter | unknown>();
  if (Array.isArray(values)) {
    for (const p of values as readonly unknown[]) {
      if (!(p instanceof Parameter)) throw new TypeError(`bindParameters(): expected Parameter objects in the array, got ${describe(p)}.`);
      const prev = out.get(p.label);
      if (prev && prev !== p) throw new TypeError(`bindParameters(): two different Parameters in the array are labelled '${p.label}'.`);
      out.set(p.label, trainable === undefined || p.trainable === trainable ? p : p.replace({ trainable }));
    }
    return out;
  }
  const entries = values instanceof Map ? [...values.entries()] : Object.entries(values as Record<string, unknown>);
  for (const [label, value] of entries) out.set(label, value);
  return out;
}

function describeProblem(p: BindingProblem): string {
  const at = (ps: readonly KeyPath[]) => ps.map(where).join(', ');
  switch (p.kind) {
    case 'missing':
      return `'${p.label}': no value given (slot at ${at(p.paths)}); pass one, or {allowMissing: true}.`;
    case 'unused':
      return `'${p.label}': no slot has this label; check for a typo, or pass {allowUnused: true}.`;
    case 'shape':
      return `'${p.label}': expected named shape ${formatNamedShape(p.expected)} but the value has ${formatNamedShape(p.actual)} (slot at ${at(p.paths)}).`;
    case 'notNamedArray':
      return `'${p.label}': the value is ${p.got}, not a NamedArray; wrap it with nx.wrap(tensor, ...names).`;
    case 'alreadyBound':
      return `'${p.label}': the tree already has a Parameter with this label at ${where(p.boundAt)}, besides the slot at ${at(p.slotPaths)}.`;
  }
}

