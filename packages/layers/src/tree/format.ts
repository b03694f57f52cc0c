import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import { Struct } from './struct.js';
import { childrenOf, isRecord } from './tree.js';
import { keyPathToString, type KeyPath } from './keypath.js';
import { leafLiteral, propertyKey, quote } from './literal.js';
import { NotInThisPartition } from '../select/partition.js';
import { Parameter } from '../params/parameter.js';

/** Options of `formatTree`. */
export interface FormatOptions {
  /**
   * Print array contents, so that `parseTree` rebuilds an equal tree (default false: arrays
   * are summarised as `<NamedArray float32 {embedding: 8, neurons: 32}>`). Reads tensors.
   */
  roundTrip?: boolean;
  /**
   * With `roundTrip`: instead of printing array data, push each array into this table and
   * print `arrays[i]`; `parseTree(text, {arrays})` puts the very same objects back.
   */
  arrays?: unknown[];
  /** Line width before a node is broken over several lines (default 100). */
  width?: number;
}

type Doc = string | Group;
interface Group {
  open: string;
  items: { key?: string; doc: Doc }[];
  close: string;
  flat?: string;
}

/**
 * Prints a tree as constructor-style text: `Name({field: value, ...})` for structs, `[...]`
 * for arrays, `{key: value}` for records, nested and indented once a node no longer fits on
 * a line. A node (struct or array) that appears more than once is printed in full at its
 * first place and as `shared('.path.to.first')` afterwards, which is how ties show. Arrays
 * are summarised unless `roundTrip`; `parseTree` reads the text back.
 *
 * @example
 * formatTree(mlp)
 * // Sequential({
 * //   sublayers: [
 * //     Linear({weights: Parameter({label: 'mlp/in.weights', value: <NamedArray float32 {embedding: 8, neurons: 32}>}), inAxes: ['embedding'], outAxes: ['neurons']}),
 * //     ...
 */
export function formatTree(tree: unknown, opts: FormatOptions = {}): string {
  const firstSeen = sharedNodes(tree);
  const toDoc = (x: unknown, path: KeyPath): Doc => {
    const first = firstSeen.get(x);
    if (first && keyPathToString(first) !== keyPathToString(path)) return `shared(${quote(keyPathToString(first))})`;
    if (x instanceof NamedArray) return formatArray(x, opts);
    if (x instanceof tf.Tensor) return formatTensor(x, opts);
    if (x instanceof Struct) {
      const skipTrainable = x instanceof Parameter && x.trainable === true;
      const items = childrenOf(x)
        .filter(([e]) => !(skipTrainable && e.kind === 'field' && e.name === 'trainable'))
        .map(([e, v]) => ({ key: propertyKey((e as { name: string }).name), doc: toDoc(v, [...path, e]) }));
      return { open: `${x.typeName()}({`, items, close: '})' };
    }
    if (Array.isArray(x)) return { open: '[', items: childrenOf(x).map(([e, v]) => ({ doc: toDoc(v, [...path, e]) })), close: ']' };
    if (isRecord(x)) {
      return { open: '{', items: childrenOf(x).map(([e, v]) => ({ key: propertyKey((e as { key: string }).key), doc: toDoc(v, [...path, e]) })), close: '}' };
    }
    return formatLeaf(x);
  };
  return layout(toDoc(tree, []), 0, 0, opts.width ?? 100);
}

/** Objects printed in full once and referenced afterwards: structs and arrays that occur twice. */
function sharedNodes(tree: unknown): Map<unknown, KeyPath> {
  const first = new Map<unknown, KeyPath>();
  const repeated = new Set<unknown>();
  const visit = (x: unknown, path: KeyPath) => {
    const tracked = x instanceof Struct || x instanceof NamedArray || x instanceof tf.Tensor;
    if (tracked) {
      if (first.has(x)) {
        repeated.add(x);
        return;
      }
      first.set(x, path);
    }
    for (const [e, v] of childrenOf(x)) visit(v, [...path, e]);
  };
  visit(tree, []);
  for (const x of [...first.keys()]) if (!repeated.has(x)) first.delete(x);
  return first;
}

function formatArray(x: NamedArray, opts: FormatOptions): string {
  if (!opts.roundTrip) {
    const pos = x.positionalShape;
    const named = Object.entries(x.namedShape).map(([k, v]) => `${propertyKey(k)}: ${v}`).join(', ');
    return `<NamedArray ${x.dtype} {${named}}${pos.length ? ` positional [${pos.join(', ')}]` : ''}>`;
  }
  if (opts.arrays) return `arrays[${opts.arrays.push(x) - 1}]`;
  const names = x.names;
  if (x.positionalShape.length === 0) {
    return `nx.fromArray(${formatData(x.data.arraySync())}, [${names.map(quote).join(', ')}], ${quote(x.dtype)})`;
  }
  // Named axes first (data order), then positional ones (positional order): tagPrefix then
  // names exactly the leading axes, so the text rebuilds the same named and positional shapes.
  const perm = [...x.axes.flatMap((a, i) => (typeof a === 'string' ? [i] : []))];
  const posDataAxes = x.axes.flatMap((a, i) => (typeof a === 'number' ? [[a, i] as const] : [])).sort((p, q) => p[0] - q[0]);
  perm.push(...posDataAxes.map(([, i]) => i));
  const t = tf.transpose(x.data, perm);
  const values = t.arraySync();
  const shape = t.shape;
  t.dispose();
  return `nx.wrap(tf.tensor(${formatData(values)}, [${shape.join(', ')}], ${quote(x.dtype)})).tagPrefix(${names.map(quote).join(', ')})`;
}

function formatTensor(x: tf.Tensor, opts: FormatOptions): string {
  if (!opts.roundTrip) return `<Tensor ${x.dtype} [${x.shape.join(', ')}]>`;
  if (opts.arrays) return `arrays[${opts.arrays.push(x) - 1}]`;
  return `tf.tensor(${formatData(x.arraySync())}, [${x.shape.join(', ')}], ${quote(x.dtype)})`;
}

function formatData(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(formatData).join(', ')}]`;
  return formatLeaf(v);
}

function formatLeaf(x: unknown): string {
  if (x instanceof NotInThisPartition) return 'NotInThisPartition';
  return leafLiteral(x).text;
}

function flatOf(d: Doc): string {
  if (typeof d === 'string') return d;
  if (d.flat === undefined) {
    d.flat = `${d.open}${d.items.map((i) => (i.key !== undefined ? `${i.key}: ` : '') + flatOf(i.doc)).join(', ')}${d.close}`;
  }
  return d.flat;
}

/** Lays a doc out from `column` on a line indented by `indent`; broken nodes indent by two. */
function layout(d: Doc, indent: number, column: number, width: number, trail = 0): string {
  if (typeof d === 'string' || d.items.length === 0) return flatOf(d);
  const flat = flatOf(d);
  if (column + flat.length + trail <= width) return flat;
  const inner = ' '.repeat(indent + 2);
  const lines = d.items.map((i) => {
    const prefix = `${inner}${i.key !== undefined ? `${i.key}: ` : ''}`;
    return `${prefix}${layout(i.doc, indent + 2, prefix.length, width, 1)},`;
  });
  return `${d.open}\n${lines.join('\n')}\n${' '.repeat(indent)}${d.close}`;
}
