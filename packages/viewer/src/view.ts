/**
 * The public entry points: `view` (an object that renders itself in Deno Jupyter),
 * `renderToHtml` (a self-contained document) and `renderText` (plain text).
 */
import { Struct, isRecord, type KeyPath } from '@penjing/layers';
import { buildModel, type BuildOptions } from './build.js';
import type { HeatmapOptions } from './heat.js';
import { htmlDocument, htmlFragment } from './html.js';
import { applyLayout, balancedLayout } from './layout.js';
import { SCHEMA_VERSION, type ViewData } from './shared/model.js';
import { textLines } from './text.js';
import { reprOf } from './registry.js';

/** The symbol Deno's Jupyter kernel calls to get a MIME bundle (`Deno.jupyter.$display`). */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for('Jupyter.display');

/** Options of `view`, `renderToHtml` and `renderText`. */
export interface ViewOptions extends HeatmapOptions {
  /** Variable name used in the `select(model).at(m => …)` copy form (default 'model'). */
  name?: string;
  /** What a plain click on a copy button copies: the path (default) or the select() form; Shift+click gives the other. */
  copy?: 'path' | 'select';
  /** Start in round-trip mode (`Type({field: …})`, every field); press `r` on the view to toggle. */
  roundtrip?: boolean;
  /** Initial fold: treescope's balanced layout (default), everything, or a depth. */
  expand?: 'balanced' | 'all' | number;
  /** Lines the balanced layout aims for (default 20). */
  maxHeight?: number;
  /** One-line width under which nodes stay collapsed (default 60). */
  targetWidth?: number;
  /** See BuildOptions. */
  treeArrayMaxSize?: number;
  treeArrayBudget?: number;
  statsMaxSize?: number;
  /** Title of the document made by `renderToHtml`. */
  title?: string;
  /** A comment line shown above the tree. */
  caption?: string;
}

/** The MIME bundle a Jupyter frontend receives. */
export interface MimeBundle {
  'text/plain': string;
  'text/html': string;
}

/** A selection as the viewer reads it (Penjing's `Selection` has this shape). */
export interface SelectionLike {
  readonly root: unknown;
  readonly paths: readonly KeyPath[];
}

/** True for selections: objects (not tree nodes) with a `root` and an array of key `paths`. */
export function isSelectionLike(x: unknown): x is SelectionLike {
  if (typeof x !== 'object' || x === null || x instanceof Struct || Array.isArray(x) || isRecord(x)) return false;
  const s = x as { root?: unknown; paths?: unknown };
  return 'root' in s && Array.isArray(s.paths) && s.paths.every((p) => Array.isArray(p));
}

/** The selection a value shows: one whose view hook gives `{ value, selected }`, or a selection-like object. */
function selectionOf(value: unknown): SelectionLike | undefined {
  const r = reprOf(value);
  if (r && 'value' in r && r.selected) return { root: r.value, paths: r.selected };
  return isSelectionLike(value) ? value : undefined;
}

/**
 * A rendered value: its text, its HTML, and the Jupyter display method. Summaries and heatmap
 * data are computed when the View is made, so later disposing the tensors does not change it.
 */
export class View {
  private fragmentCache: string | undefined;
  constructor(
    /** The render model embedded in the page. */
    readonly data: ViewData,
    /** The plain-text form. */
    readonly text: string,
    private readonly title = 'Penjing view',
  ) {}

  /**
   * The HTML fragment for this view (data, components loader and text fallback).
   * @example document.body.insertAdjacentHTML('beforeend', view(model).html())
   */
  html(): string {
    return (this.fragmentCache ??= htmlFragment(this.data, this.text));
  }

  /**
   * A complete, self-contained HTML document.
   * @example writeFileSync('model.html', view(model).document())
   */
  document(): string {
    return htmlDocument([this.html()], this.title);
  }

  toString(): string {
    return this.text;
  }

  /** Called by Deno's Jupyter kernel for the last expression of a cell. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return { 'text/plain': this.text, 'text/html': this.html() };
  }

  /** Node's console shows the text form. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.text;
  }
}

/**
 * Renders a value (a layer tree, a NamedArray, a Selection, any mix of structs, arrays and
 * records) for display. In a Deno Jupyter notebook, make it the last expression of a cell.
 * @example
 * view(model)                                   // tree with summaries, balanced folding
 * view(logits, { rows: ['seq'], cols: ['vocabulary'] })
 * view(select(model).atInstancesOf(Attention))  // selected nodes boxed
 */
export function view(value: unknown, options: ViewOptions = {}): View {
  return value instanceof View ? value : createView(value, options, true);
}

function createView(value: unknown, options: ViewOptions, heatmaps: boolean): View {
  const sel = selectionOf(value);
  const tree = sel ? sel.root : value;
  const built = buildModel(tree, { ...buildOptions(options, sel), heatmaps });
  const rt = options.roundtrip ?? false;
  const layout = { maxHeight: options.maxHeight, targetWidth: options.targetWidth, roundtrip: rt, forced: built.forced, expand: options.expand };
  const textOpen = balancedLayout(built.root, { ...layout, html: false });
  // The page's fold states; renderText (no heatmaps, no page) needs only the text layout.
  if (heatmaps) applyLayout(built.root, balancedLayout(built.root, { ...layout, html: true }));
  const caption = options.caption ?? (sel ? `Selection of ${sel.paths.length} node${sel.paths.length === 1 ? '' : 's'}` : undefined);
  const data: ViewData = { v: SCHEMA_VERSION, root: built.root, name: options.name ?? 'model', copy: options.copy ?? 'path' };
  if (rt) data.rt = 1;
  if (caption) data.cap = `// ${caption}`;
  const lines = textLines(built.root, textOpen, rt);
  const text = (data.cap ? [data.cap, ...lines] : lines).join('\n');
  return new View(data, text, options.title);
}

function buildOptions(o: ViewOptions, sel: SelectionLike | undefined): BuildOptions {
  const heatmap: HeatmapOptions = {};
  const keys = ['rows', 'cols', 'sliders', 'aroundZero', 'vmin', 'vmax', 'tokens', 'mask', 'pixelsPerCell', 'maxSize', 'minEdgeItems'] as const;
  for (const k of keys) if (o[k] !== undefined) (heatmap as Record<string, unknown>)[k] = o[k];
  return {
    heatmap,
    treeArrayMaxSize: o.treeArrayMaxSize,
    treeArrayBudget: o.treeArrayBudget,
    statsMaxSize: o.statsMaxSize,
    selected: sel?.paths,
  };
}

/**
 * One self-contained HTML document showing the value (or a View): no network fetches; open
 * it from disk or serve it anywhere.
 * @example writeFileSync('model.html', renderToHtml(model))
 */
export function renderToHtml(value: unknown, options: ViewOptions = {}): string {
  return view(value, options).document();
}

/**
 * The plain-text form: constructor-style structs folded like the initial page, arrays as
 * summary lines (`<NamedArray float32[seq:4] ≈0.5 ±0.29 [≥0.0, ≤1.0] zero:1 nonzero:3>`).
 * @example console.log(renderText(model, { expand: 'all' }))
 */
export function renderText(value: unknown, options: ViewOptions = {}): string {
  return value instanceof View ? value.text : createView(value, options, false).text;
}
