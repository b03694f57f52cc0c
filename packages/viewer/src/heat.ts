/**
 * Heatmap data: which items of each axis to keep (balanced truncation with edge items), how
 * axes are faceted into rows, columns and sliders, the colour range, and the kept values
 * read from the tensor in one transfer.
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import { encodeBase64 } from './shared/base64.js';
import { buildTrack, displayedCount, keptToActual } from './shared/geometry.js';
import type { HeatAxis, HeatSpec, Summary } from './shared/model.js';

/** An axis reference: a name, or the index of a positional axis. */
export type AxisRef = string | number;

/** How an array is drawn. */
export interface HeatmapOptions {
  /** Axes laid out down the page, innermost first. */
  rows?: readonly AxisRef[];
  /** Axes laid out across the page, innermost first. */
  cols?: readonly AxisRef[];
  /** Axes shown one index at a time, chosen with a slider. */
  sliders?: readonly AxisRef[];
  /** Diverging colour map centred on zero (default for floats); `false` gives a sequential map. */
  aroundZero?: boolean;
  /** Colour range; values outside it are drawn at the end colour with a `+`/`-` mark. */
  vmin?: number;
  vmax?: number;
  /** Labels for the items of an axis, e.g. token strings: `{ seq: ['<bos>', 'The', ...] }`. */
  tokens?: Readonly<Record<string, readonly string[]>>;
  /** Validity mask (true = valid) over some or all of the array's axes; masked cells are drawn grey. */
  mask?: NamedArray | tf.Tensor;
  /** Size of one cell in CSS pixels (default 7; small arrays get larger cells, up to 24). */
  pixelsPerCell?: number;
  /** Most elements kept before truncating (default 4000). */
  maxSize?: number;
  /** Fewest items kept at each end of a truncated axis (default 5). */
  minEdgeItems?: number;
}

/** Most facet levels inferred on rows and columns together; further axes get sliders. */
const MAX_FACET_AXES = 4;

/**
 * Balanced truncation: the largest common per-axis length L with prod(min(size, L)) ≤ maxSize;
 * longer axes keep floor(L/2) items at each end (at least `minEdge`). Returns the edge count
 * per axis, or undefined where the axis is kept whole.
 * @example truncation([1000, 1000], 4000) // [31, 31]
 */
export function truncation(sizes: readonly number[], maxSize = 4000, minEdge = 5): (number | undefined)[] {
  const prod = (l: number) => sizes.reduce((p, n) => p * Math.min(n, l), 1);
  if (prod(Infinity) <= maxSize) return sizes.map(() => undefined);
  let lo = 1;
  let hi = Math.max(...sizes);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (prod(mid) <= maxSize) lo = mid;
    else hi = mid - 1;
  }
  return sizes.map((n) => {
    if (n <= lo) return undefined;
    const e = Math.max(minEdge, Math.floor(lo / 2));
    return 2 * e >= n ? undefined : e;
  });
}

/**
 * Default faceting: the last axis across, the one before it down, then further axes as outer
 * facets on whichever side is narrower (columns until twice as wide as tall); beyond four
 * facet axes the outermost go to sliders. Axes of size 1 are tucked onto rows.
 */
export function inferFacets(axes: readonly HeatAxis[], fixed: { rows?: number[]; cols?: number[]; sliders?: number[] } = {}): { rows: number[]; cols: number[]; sliders: number[] } {
  const rows = [...(fixed.rows ?? [])];
  const cols = [...(fixed.cols ?? [])];
  const sliders = [...(fixed.sliders ?? [])];
  const used = new Set([...rows, ...cols, ...sliders]);
  const free = axes.map((_, i) => i).filter((i) => !used.has(i));
  const ones = free.filter((i) => axes[i].size === 1);
  const rest = free.filter((i) => axes[i].size !== 1).reverse();
  const extent = (list: number[]) => list.reduce((p, a) => p * displayedCount(axes[a]), 1);
  for (const a of rest) {
    if (!fixed.cols && cols.length === 0) cols.push(a);
    else if (!fixed.rows && rows.length === 0) rows.push(a);
    else if (rows.length + cols.length >= MAX_FACET_AXES) sliders.unshift(a);
    else if (extent(cols) <= 2 * extent(rows)) cols.push(a);
    else rows.push(a);
  }
  rows.push(...ones);
  return { rows, cols, sliders };
}

/** Resolves an axis reference to a data-axis index, or throws naming the axes available. */
export function resolveAxis(axes: readonly AxisRef[], ref: AxisRef, what: string): number {
  const i = axes.indexOf(ref);
  if (i < 0) {
    throw new Error(`${what}: no axis ${typeof ref === 'string' ? `named '${ref}'` : `at positional index ${ref}`}; the array's axes are ${describeAxes(axes)}.`);
  }
  return i;
}

function describeAxes(axes: readonly AxisRef[]): string {
  return `[${axes.map((a) => (typeof a === 'string' ? `'${a}'` : `${a} (positional)`)).join(', ')}]`;
}

/**
 * Builds the heatmap for a tensor whose data axes are `axes`, reading only the kept items.
 * Tensors made on the way are disposed.
 */
export function heatSpec(t: tf.Tensor, axes: readonly AxisRef[], sm: Summary, opts: HeatmapOptions = {}): HeatSpec {
  const edges = truncation(t.shape, opts.maxSize ?? 4000, opts.minEdgeItems ?? 5);
  const heatAxes: HeatAxis[] = axes.map((name, i) => {
    const a: HeatAxis = { name, size: t.shape[i] };
    if (edges[i] !== undefined) a.edge = edges[i];
    return a;
  });
  for (const [name, labels] of Object.entries(opts.tokens ?? {})) {
    const i = resolveAxis(axes, name, 'tokens');
    const a = heatAxes[i];
    if (labels.length !== a.size) {
      throw new Error(`tokens.${name} has ${labels.length} labels but axis '${name}' has size ${a.size}; give one label per item.`);
    }
    const kept = a.edge !== undefined ? 2 * a.edge : a.size;
    a.labels = Array.from({ length: kept }, (_, k) => String(labels[keptToActual(a, k)]));
  }
  const fixed = {
    rows: opts.rows?.map((r) => resolveAxis(axes, r, 'rows')),
    cols: opts.cols?.map((r) => resolveAxis(axes, r, 'cols')),
    sliders: opts.sliders?.map((r) => resolveAxis(axes, r, 'sliders')),
  };
  const facets = inferFacets(heatAxes, fixed);
  const enc: 'f' | 'i' = t.dtype === 'float32' ? 'f' : 'i';
  const kept = tf.tidy(() => truncate(t.dtype === 'float32' || t.dtype === 'int32' ? t : t.cast(enc === 'f' ? 'float32' : 'int32'), edges));
  const values = kept.dataSync() as Float32Array | Int32Array;
  kept.dispose();
  const spec: HeatSpec = {
    dtype: t.dtype,
    axes: heatAxes,
    data: encodeBase64(values),
    enc,
    ...facets,
    ...colourRange(sm, values, opts, t.dtype),
    ppc: opts.pixelsPerCell ?? autoCellSize(heatAxes, facets),
  };
  if (opts.mask) spec.mask = maskData(opts.mask, t, axes, edges);
  if (enc === 'i' && t.dtype !== 'bool' && values.every((v) => v >= 0 && v <= 9)) spec.digits = 1;
  return spec;
}

/** 7 px cells, larger for small arrays so the longer side spans about 160 px (at most 24 px cells). */
function autoCellSize(axes: readonly HeatAxis[], f: { rows: number[]; cols: number[] }): number {
  const longest = Math.max(buildTrack(axes, f.rows).extent, buildTrack(axes, f.cols).extent);
  return longest * 7 >= 160 ? 7 : Math.min(24, Math.floor(160 / longest));
}

function truncate(x: tf.Tensor, edges: readonly (number | undefined)[]): tf.Tensor {
  let out = x;
  edges.forEach((e, ax) => {
    if (e === undefined) return;
    const n = out.shape[ax];
    const size = out.shape.map((s, i) => (i === ax ? e : s));
    const head = tf.slice(out, out.shape.map(() => 0), size);
    const tail = tf.slice(out, out.shape.map((_, i) => (i === ax ? n - e : 0)), size);
    out = tf.concat([head, tail], ax);
  });
  return out === x ? x.clone() : out;
}

function colourRange(sm: Summary, values: ArrayLike<number>, opts: HeatmapOptions, dtype: string): Pick<HeatSpec, 'vmin' | 'vmax' | 'cmap'> {
  const kind = dtype === 'float32' && opts.aroundZero === undefined ? valueKind(sm, values) : undefined;
  if (kind) return { ...kind, vmin: opts.vmin ?? kind.vmin, vmax: opts.vmax ?? kind.vmax };
  const diverging = opts.aroundZero ?? dtype === 'float32';
  let lo: number;
  let hi: number;
  const st = sm.st;
  if (st?.min !== undefined && st.max !== undefined && st.mean !== undefined && st.std !== undefined) {
    // Clip to ±3σ so a few outliers do not wash out the picture (they get a +/- mark).
    lo = Math.max(st.min, st.mean - 3 * st.std);
    hi = Math.min(st.max, st.mean + 3 * st.std);
  } else {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    if (lo > hi) [lo, hi] = [0, 1];
  }
  let vmin: number;
  let vmax: number;
  if (diverging) {
    const lim = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    vmax = opts.vmax ?? (opts.vmin !== undefined ? -opts.vmin : lim);
    vmin = opts.vmin ?? -vmax;
  } else {
    vmin = opts.vmin ?? lo;
    vmax = opts.vmax ?? (hi > vmin ? hi : vmin + 1);
  }
  return { vmin, vmax, cmap: diverging ? 'diverging' : 'sequential' };
}

/**
 * Defaults that suit what the numbers are: values in [0, 1] (probabilities, attention
 * patterns) get a sequential map over exactly 0..1, all-non-positive values (log-probabilities)
 * a sequential map from a clipped minimum up to 0; anything else keeps the diverging map.
 */
function valueKind(sm: Summary, values: ArrayLike<number>): Pick<HeatSpec, 'vmin' | 'vmax' | 'cmap'> | undefined {
  let lo = sm.st?.min;
  let hi = sm.st?.max;
  if (lo === undefined || hi === undefined) {
    lo = Infinity;
    hi = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    if (lo > hi) return undefined;
  }
  if (lo >= 0 && hi <= 1 && hi > 0) return { vmin: 0, vmax: 1, cmap: 'sequential' };
  if (hi <= 0 && lo < 0) {
    const st = sm.st;
    const clipped = st?.mean !== undefined && st.std !== undefined ? Math.max(lo, st.mean - 3 * st.std) : lo;
    return { vmin: clipped, vmax: 0, cmap: 'sequential' };
  }
  return undefined;
}

function maskData(mask: NamedArray | tf.Tensor, t: tf.Tensor, axes: readonly AxisRef[], edges: readonly (number | undefined)[]): string {
  const m = mask instanceof NamedArray ? mask : new NamedArray(mask, mask.shape.map((_, i) => i));
  const order = m.axes.map((a) => resolveAxis(axes, a, 'mask'));
  order.forEach((dataAxis, i) => {
    if (m.data.shape[i] !== t.shape[dataAxis] && m.data.shape[i] !== 1) {
      throw new Error(`mask axis ${typeof m.axes[i] === 'string' ? `'${m.axes[i]}'` : m.axes[i]} has size ${m.data.shape[i]} but the array's has ${t.shape[dataAxis]}.`);
    }
  });
  const kept = tf.tidy(() => {
    // Put the mask's axes in the array's data order, add size-1 axes for the missing ones, broadcast.
    const perm = order.map((_, i) => i).sort((a, b) => order[a] - order[b]);
    const moved = tf.transpose(m.data.cast('int32'), perm);
    const shape = t.shape.map((_, ax) => (order.includes(ax) ? m.data.shape[order.indexOf(ax)] : 1));
    const full = tf.broadcastTo(moved.reshape(shape), t.shape);
    return truncate(full, edges);
  });
  const bits = Uint8Array.from(kept.dataSync() as Int32Array, (v) => (v ? 1 : 0));
  kept.dispose();
  return encodeBase64(bits);
}
