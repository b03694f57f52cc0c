/**
 * Builds the render model from a value: structs with their fields, JS arrays, records,
 * Parameters and slots, NamedArrays and tensors (with their summaries and, within a size
 * budget, heatmap data), primitives, repeated objects and cycles.
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import { Layer, Parameter, Struct, childrenOf, field, isRecord, keyPathToString, type KeyEntry, type KeyPath } from '@penjing/layers';
import { reprOf, type NodeRepr, type TextRepr } from './registry.js';
import { hueFromString } from './color.js';
import { heatSpec, type HeatmapOptions } from './heat.js';
import { DEFAULT_STATS_MAX_SIZE, summarize } from './stats.js';
import { formatInt, quoteString } from './shared/format.js';
import { leafLiteral } from '@penjing/layers/literal';
import type { ArrayNode, StructNode, TNode, Tok } from './shared/model.js';

/** Options for building a model. */
export interface BuildOptions {
  /** How a root-level array is drawn. */
  heatmap?: HeatmapOptions;
  /** Most elements kept for the heatmap of an array inside a tree (default 1024). */
  treeArrayMaxSize?: number;
  /** Most heatmap elements embedded for all arrays inside a tree together (default 8192). */
  treeArrayBudget?: number;
  /** Arrays above this size get no statistics (default 10 000 000). */
  statsMaxSize?: number;
  /** Whether to read heatmap data at all (default true; the text form needs none). */
  heatmaps?: boolean;
  /** Key paths to mark as selected (drawn boxed, with their ancestors expanded). */
  selected?: readonly KeyPath[];
}

/** The model and the nodes whose fold state is forced (selection ancestors). */
export interface BuiltModel {
  root: TNode;
  /** Node ids that must start expanded. */
  forced: Set<number>;
  /** Number of nodes. */
  count: number;
}

/** Deepest nesting of plain data drawn; deeper values become a marker. */
export const MAX_DEPTH = 100;
/** Most items of a plain array (or entries of a record) drawn; the rest are counted in a marker. */
export const MAX_ITEMS = 1000;
/** Most characters of a string drawn; the rest are counted in a marker. */
export const MAX_STRING = 10_000;

/** Smallest tree-array budget worth drawing; below it arrays show only their summary. */
const MIN_HEATMAP_ELEMENTS = 16;

/**
 * Walks a value into render nodes.
 * @example buildModel(model).root.t // 'struct'
 */
export function buildModel(value: unknown, opts: BuildOptions = {}): BuiltModel {
  let nextId = 0;
  const forced = new Set<number>();
  const selected = new Set((opts.selected ?? []).map((p) => keyPathToString(p)));
  const onSelectedRoute = new Set<string>();
  for (const p of opts.selected ?? []) for (let n = 0; n <= p.length; n++) onSelectedRoute.add(keyPathToString(p.slice(0, n)));
  const firstSeen = new Map<object, string>();
  const arrays: { node: ArrayNode; t: tf.Tensor; axes: readonly (string | number)[]; depth: number }[] = [];
  const statsMax = opts.statsMaxSize ?? DEFAULT_STATS_MAX_SIZE;

  // Records and arrays on the way from the root to the current node (cycle detection).
  const ancestors = new Set<object>();
  // `p` is the parent's path text plus this step's, which is what keyPathToString gives for the whole path.
  const visit = (value: unknown, p: string, key: string | undefined, depth: number): TNode => {
    // A value that asks to be drawn as another one is replaced before it gets an id: ids are
    // pre-order indices, which the page recomputes from the nodes it receives.
    const { x, repr } = resolveRepr(value);
    const i = nextId++;
    const base: { i: number; p: string; k?: string; s?: 1 } = { i, p };
    if (key !== undefined) base.k = key;
    if (selected.has(p)) base.s = 1;
    if (p && onSelectedRoute.has(p) && !selected.has(p)) forced.add(i);
    if (depth === 0 && selected.size && !selected.has('')) forced.add(i);

    // Data nested deeper than any model stops here with a marker, so no renderer recurses without bound.
    if (depth > MAX_DEPTH && x !== null && typeof x === 'object') return { ...base, t: 'leaf', v: ['a', `<… nested deeper than ${MAX_DEPTH} levels; not shown>`] };
    // Primitives first: most nodes are, and tf.Tensor's instanceof is a duck-typing function.
    if (x === null || (typeof x !== 'object' && typeof x !== 'function')) return { ...base, t: 'leaf', v: leafToken(x) };
    if (repr && 'text' in repr) return { ...base, t: 'leaf', v: ['a', repr.text] };
    if (repr && 'node' in repr) {
      if (ancestors.has(x)) return { ...base, t: 'cycle', ty: repr.node };
      const node: StructNode = { ...base, t: 'struct', ty: repr.node, c: [] };
      if (repr.color && SAFE_COLOUR.test(repr.color)) node.col = [repr.color, repr.color];
      else node.hue = layerHue(repr.node);
      ancestors.add(x);
      node.c = Object.entries(repr.fields).map(([k, v]) => visit(v, p + keyPathToString([field(k)]), k, depth + 1));
      ancestors.delete(x);
      return node;
    }
    const tracked = x instanceof Struct || x instanceof NamedArray || x instanceof tf.Tensor;
    if (tracked) {
      const first = firstSeen.get(x as object);
      // A repeated object (a tied parameter, a shared layer) is printed once, then referenced,
      // as formatTree does, unless a selection reaches into this occurrence.
      if (first !== undefined && !onSelectedRoute.has(p)) return { ...base, t: 'leaf', v: ['a', `shared(${quoteString(first)})`] };
      if (first === undefined) firstSeen.set(x as object, p);
    }
    if (x instanceof NamedArray || x instanceof tf.Tensor) {
      const t = x instanceof NamedArray ? x.data : x;
      const axes: readonly (string | number)[] = x instanceof NamedArray ? x.axes : (x.shape as number[]).map((_: number, j: number) => j);
      const node: ArrayNode = { ...base, t: 'array', ty: x instanceof NamedArray ? 'NamedArray' : 'Tensor', sm: summarize(t, axes, statsMax) };
      if (!t.isDisposed) arrays.push({ node, t, axes, depth });
      return node;
    }
    if (x instanceof Struct) {
      const node: StructNode = { ...base, t: 'struct', ty: x.typeName(), c: [] };
      colourStruct(node, x);
      node.c = childrenOf(x).map(([e, v]) => visit(v, p + keyPathToString([e]), entryKey(e), depth + 1));
      if (x instanceof Parameter && x.trainable === true) {
        const tr = node.c.find((c) => c.k === 'trainable');
        if (tr) tr.rt = 1; // the default; shown in round-trip mode only
      }
      return node;
    }
    if (Array.isArray(x) || isRecord(x)) {
      if (ancestors.has(x)) return { ...base, t: 'cycle', ty: Array.isArray(x) ? 'Array' : 'Object' };
      ancestors.add(x);
      // A huge plain array or record is summarised: its first items, then a marker saying how many more.
      const entries = childrenOf(x);
      const shown = entries.length > MAX_ITEMS ? entries.slice(0, MAX_ITEMS) : entries;
      const c = shown.map(([e, v]) => visit(v, p + keyPathToString([e]), entryKey(e), depth + 1));
      if (shown.length < entries.length) {
        const more: TNode = { i: nextId++, p: `${p}…`, t: 'leaf', v: ['a', `<… ${formatInt(entries.length - shown.length)} more ${Array.isArray(x) ? 'items' : 'entries'} not shown>`] };
        if (!Array.isArray(x)) more.k = '…';
        c.push(more);
      }
      ancestors.delete(x);
      return Array.isArray(x) ? { ...base, t: 'list', c } : { ...base, t: 'record', c };
    }
    return { ...base, t: 'leaf', v: leafToken(x) };
  };

  const root = visit(value, '', undefined, 0);
  if (opts.heatmaps !== false) attachHeatmaps(root, arrays, opts);
  return { root, forced, count: nextId };
}

/** Most `{ value }` hops followed for one node (a hook that keeps wrapping would never end). */
const MAX_VALUE_HOPS = 16;

/** Follows `{ value }` reprs to the value drawn, with its node or text repr if it has one. */
function resolveRepr(value: unknown): { x: unknown; repr: NodeRepr | TextRepr | undefined } {
  let x = value;
  for (let hop = 0; hop <= MAX_VALUE_HOPS; hop++) {
    const r = reprOf(x);
    if (!r) return { x, repr: undefined };
    if (!('value' in r)) return { x, repr: r };
    if (r.value === x) return { x, repr: undefined };
    x = r.value;
  }
  return { x, repr: { text: `<${MAX_VALUE_HOPS} view hooks in a row; the last one gave another value again>` } };
}

function entryKey(e: KeyEntry): string | undefined {
  return e.kind === 'field' ? e.name : e.kind === 'key' ? e.key : undefined;
}

/** Layers get a hue from their type name; `Sequential` is grey; other sublayer groups get a light fill. */
function colourStruct(node: StructNode, x: Struct): void {
  const custom: unknown = Reflect.get(x, 'viewerColor');
  if (typeof custom === 'function') {
    const c = custom.call(x);
    const pair = typeof c === 'string' ? [c, c] : Array.isArray(c) && c.length === 2 ? c : undefined;
    if (pair && pair.every((s) => typeof s === 'string' && SAFE_COLOUR.test(s))) {
      node.col = [pair[0], pair[1]];
      return;
    }
  }
  if (!(x instanceof Layer)) return;
  const isGroup = Array.isArray(Reflect.get(x, 'sublayers'));
  if (isGroup && node.ty === 'Sequential') node.grey = 1;
  else {
    node.hue = layerHue(node.ty);
    if (isGroup) node.grey = 1;
  }
}

const hues = new Map<string, number>();

/** The hue of a layer type, hashed once per type name (a model repeats a few types many times). */
function layerHue(type: string): number {
  let h = hues.get(type);
  if (h === undefined) hues.set(type, (h = Math.round(hueFromString(type) * 1000) / 1000));
  return h;
}

/** CSS colours only: no `;`, `url(`, quotes or braces, so a colour cannot smuggle in other CSS. */
const SAFE_COLOUR = /^(?!.*url)[#a-zA-Z0-9(),.%\s-]{1,80}$/;

const TOKEN_KIND = { string: 's', number: 'n', keyword: 'k', other: 'a' } as const;

/** A leaf as the tree printer writes it, tagged with its colour class. */
function leafToken(x: unknown): Tok {
  // A huge string is shown by its start and a count, like a huge array.
  if (typeof x === 'string' && x.length > MAX_STRING) {
    return ['s', `${quoteString(x.slice(0, MAX_STRING))}… <${formatInt(x.length - MAX_STRING)} more characters not shown>`];
  }
  const lit = leafLiteral(x);
  return [TOKEN_KIND[lit.kind], lit.text];
}

/** Heatmap data: the root array gets the caller's options; arrays in a tree share a budget, shallowest first. */
function attachHeatmaps(root: TNode, arrays: { node: ArrayNode; t: tf.Tensor; axes: readonly (string | number)[]; depth: number }[], opts: BuildOptions): void {
  let budget = opts.treeArrayBudget ?? 8192;
  const perArray = opts.treeArrayMaxSize ?? 1024;
  const order = [...arrays].sort((a, b) => a.depth - b.depth || a.node.i - b.node.i);
  for (const a of order) {
    if (a.t.size <= 1 || a.t.dtype === 'string' || a.t.dtype === 'complex64') continue;
    if (a.node === root) {
      a.node.h = heatSpec(a.t, a.axes, a.node.sm, opts.heatmap);
      continue;
    }
    const maxSize = Math.min(perArray, budget);
    if (maxSize < MIN_HEATMAP_ELEMENTS) continue;
    a.node.h = heatSpec(a.t, a.axes, a.node.sm, { maxSize, minEdgeItems: 2 });
    budget -= Math.min(a.t.size, gridSize(a.node));
  }
}

function gridSize(n: ArrayNode): number {
  return (n.h?.axes ?? []).reduce((p, a) => p * (a.edge !== undefined ? 2 * a.edge : a.size), 1);
}
