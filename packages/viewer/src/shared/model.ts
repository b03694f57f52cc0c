/**
 * The render model: a JSON-able description of a value that both the Node-side text renderer
 * and the browser components read. It carries everything needed to draw the value (summary
 * statistics, truncated heatmap data, initial fold states), so the page never calls back into
 * a kernel and a saved notebook shows the same picture.
 *
 * Field names are short because every node of a large model is embedded in the page.
 */

/**
 * Version of this format; a page element that sees a newer one shows the text fallback.
 * 2: node paths (`p`) and ids (`i`) are no longer embedded in the page; the element derives them;
 *    NaN and ±Infinity in numeric fields are written as strings (shared/json.ts).
 */
export const SCHEMA_VERSION = 2;

/**
 * A syntax token: [class, text]. Classes: '' plain, 'k' keyword, 'n' number, 's' string,
 * 'c' comment, 'a' abbreviation/placeholder, 'e' error, 't' type name, 'y' array summary.
 */
export type Tok = readonly [cls: TokClass, text: string];
export type TokClass = '' | 'k' | 'n' | 's' | 'c' | 'a' | 'e' | 't' | 'y';

interface NodeBase {
  /** Unique id within one view: the pre-order index. Left out of the page's JSON, like `p`. */
  i: number;
  /** The key under which the parent holds this node: a field or record key; absent for list items. */
  k?: string;
  /**
   * Code that reaches this node from the root, e.g. `.body.blocks[3].attention`. Left out of
   * the page's JSON (it is half of a large model's payload); `<pj-view>` rebuilds it with
   * `childPath`.
   */
  p: string;
  /** 1 when the node starts expanded. */
  e?: 1;
  /** 1 when the node is part of a selection (drawn boxed). */
  s?: 1;
  /** 1 when the node is shown only in round-trip mode (e.g. a default `trainable: true`). */
  rt?: 1;
}

/** A struct (layer, parameter, config): `Type(field=..., ...)`. */
export interface StructNode extends NodeBase {
  t: 'struct';
  /** Type name, e.g. `Linear`. */
  ty: string;
  /** Layer colour: a hue in degrees (drawn as oklch with theme lightness), or explicit [outline, fill]. */
  hue?: number;
  col?: readonly [string, string];
  /** 1 for sublayer groups: a light fill (and a grey outline when there is no hue). */
  grey?: 1;
  c: TNode[];
}

/** A JS array: `[a, b, c]`. */
export interface ListNode extends NodeBase {
  t: 'list';
  c: TNode[];
}

/** A plain record: `{a: 1, b: 2}`. */
export interface RecordNode extends NodeBase {
  t: 'record';
  c: TNode[];
}

/** A primitive or opaque value, already formatted. */
export interface LeafNode extends NodeBase {
  t: 'leaf';
  v: Tok;
}

/** A back-reference to an ancestor (cyclic records). */
export interface CycleNode extends NodeBase {
  t: 'cycle';
  ty: string;
}

/** A NamedArray or raw tensor: a summary line and, when expanded, a heatmap. */
export interface ArrayNode extends NodeBase {
  t: 'array';
  /** 'NamedArray' or 'Tensor'. */
  ty: string;
  sm: Summary;
  h?: HeatSpec;
}

export type TNode = StructNode | ListNode | RecordNode | LeafNode | CycleNode | ArrayNode;

/** Summary of an array, after treescope's: dtype, shape, statistics over finite values, counts. */
export interface Summary {
  dtype: string;
  /** Named axes in data order. */
  named: [string, number][];
  /** Positional shape. */
  pos: number[];
  /** The single value of a one-element array. */
  value?: number;
  st?: Stats;
  /** Why statistics are missing (e.g. too large). */
  note?: string;
}

/**
 * Statistics (treescope's): mean and std over the finite values, min and max over all values
 * but NaN (±inf included); for floats all four are absent when no value is finite.
 */
export interface Stats {
  mean?: number;
  std?: number;
  min?: number;
  max?: number;
  zero: number;
  nonzero: number;
  nan: number;
  inf: number;
  ninf: number;
  /** Bool arrays: counts of true and false. */
  tru?: number;
  fls?: number;
}

/** One axis of a heatmap, in the data's axis order. */
export interface HeatAxis {
  /** Axis name, or the positional index for positional axes. */
  name: string | number;
  size: number;
  /** When truncated: the number of leading and trailing items kept (a gap sits between). */
  edge?: number;
  /** Per-index labels (tokens), one per kept index. */
  labels?: string[];
}

/** Everything the heatmap element needs. */
export interface HeatSpec {
  dtype: string;
  axes: HeatAxis[];
  /** Kept values, row-major over the kept grid in `axes` order; base64 of little-endian float32 ('f') or int32 ('i'). */
  data: string;
  enc: 'f' | 'i';
  /** Validity (1 valid, 0 masked), base64 uint8 over the same grid. */
  mask?: string;
  /** Axis indices on rows / columns, innermost first; the rest are sliders. */
  rows: number[];
  cols: number[];
  sliders: number[];
  vmin: number;
  vmax: number;
  cmap: 'diverging' | 'sequential';
  /** Pixels per cell. */
  ppc: number;
  /** 1 for integer arrays whose values are single digits: each cell shows its digit. */
  digits?: 1;
}

/** The data a `<pj-view>` element reads. */
export interface ViewData {
  v: number;
  root: TNode;
  /** Variable name used in the `select(model).at(...)` copy form. */
  name: string;
  /** Which form the copy button copies on a plain click. */
  copy: 'path' | 'select';
  /** 1 to start in round-trip mode. */
  rt?: 1;
  /** A caption line (e.g. for selections). */
  cap?: string;
}
