/**
 * Text-to-image attention drawn over the picture: for a chosen text query, the weights on an
 * image's soft tokens (Gemma 3's `mm_tokens_per_image`, a square grid of pooled patches) as a
 * heat overlay on the image itself — averaged over heads and per head. The output is static
 * HTML (an SVG per panel, the image embedded as a PNG `data:` URL) with hover titles, so it
 * shows in Node-written pages, Jupyter front ends and rendered notebooks alike, plus a text
 * form with the weights as numbers.
 */
import * as tf from '@tensorflow/tfjs';
import { NamedArray } from '@penjing/named-array';
import { valueColor } from './shared/colormap.js';
import { encodeBase64 } from './shared/base64.js';
import { escapeHtml } from './html.js';
import { encode as encodePng } from 'fast-png';
import { HtmlView } from './token-scores.js';

/** Options of {@link renderImageAttention}. */
export interface ImageAttentionOptions {
  /** The image-token grid: tokens per image (a square number, e.g. 256 → 16×16) or [rows, cols]. Default: the key axis from `keyStart` on, as a square. */
  grid?: number | readonly [number, number];
  /** Index on the key axis of the image's first soft token (default 0: the key axis holds only image tokens). */
  keyStart?: number;
  /** Query positions drawn, one row of panels each; negative counts from the end (default: the last query). */
  queries?: number | readonly number[];
  /** Query token strings, one per query position (for captions). */
  tokens?: readonly string[];
  /** Panels per query: the mean over heads, each head, or both (default 'both' when there are several heads). */
  heads?: 'mean' | 'each' | 'both';
  /** Names of the query and key axes (default 'seq' and 'kv_seq'); head axes default to whichever of heads, query_heads, head_groups exist. */
  queryAxis?: string;
  keyAxis?: string;
  headAxes?: readonly string[];
  /** Top of the colour scale: a weight, or 'panel' (each panel's own largest weight; the default). */
  vmax?: number | 'panel';
  /** Opacity of the hottest cell's overlay (default 0.75); cooler cells are more transparent. */
  opacity?: number;
  /** Pixel value range of the image (default: [-1, 1] if any value is negative, [0, 255] if any exceeds 1, else [0, 1]). */
  pixelRange?: readonly [number, number];
  /** Longest side of the embedded picture in pixels; larger images are resized down (default 256). */
  maxImageSide?: number;
  /** Longest side of each panel on the page in CSS pixels (default 200). */
  panelSize?: number;
  /** Heading over the panels. */
  title?: string;
  /**
   * A strip of the queries' tokens above the panels: clicking one shows that query's row alone
   * (pure CSS, no script; where styles are stripped every row shows). Default: with several queries.
   */
  picker?: boolean;
}

const HEAD_AXES = ['heads', 'query_heads', 'head_groups'];

interface Panel {
  query: number;
  head: number | 'mean';
  weights: Float64Array; // rows × cols, row-major
  vmax: number;
}

/**
 * Draws attention from text queries to an image's soft tokens over the image.
 *
 * `image` is `{height, width, channel}` (pixels as preprocessed, or 0..255); `weights` is an
 * attention pattern `{[heads], seq, kv_seq}` for one sequence, with the image's tokens at
 * `keyStart` … `keyStart + rows·cols − 1` of `kv_seq` in row-major grid order (as Gemma 3's
 * projector emits them).
 * @example renderImageAttention(images.index({ batch: 0, image: 0 }), patterns.index({ batch: 0, blocks: 1 }), { grid: 256, keyStart: 7, queries: -1, tokens })
 */
export function renderImageAttention(image: NamedArray, weights: NamedArray, options: ImageAttentionOptions = {}): HtmlView {
  const what = 'renderImageAttention';
  if (!(image instanceof NamedArray)) throw new TypeError(`${what}: the image must be a NamedArray {height, width, channel}.`);
  if (!(weights instanceof NamedArray)) throw new TypeError(`${what}: the weights must be a NamedArray {[heads], seq, kv_seq}.`);
  const q = options.queryAxis ?? 'seq';
  const k = options.keyAxis ?? 'kv_seq';
  const shape = weights.namedShape as Record<string, number>;
  const describe = (s: Record<string, number>) => `{${Object.entries(s).map(([a, n]) => `${a}: ${n}`).join(', ')}}`;
  for (const name of [q, k]) {
    if (!(name in shape)) throw new Error(`${what}: the weights have no '${name}' axis; their named shape is ${describe(shape)} (pass queryAxis/keyAxis to name others).`);
  }
  if (weights.positionalShape.length) throw new Error(`${what}: the weights have positional axes [${weights.positionalShape.join(', ')}]; tag them first.`);
  const heads = (options.headAxes ?? HEAD_AXES).filter((h) => h in shape);
  const extra = weights.names.filter((n) => n !== q && n !== k && !heads.includes(n));
  if (extra.length) throw new Error(`${what}: the weights have axes ${extra.map((a) => `'${a}'`).join(', ')} besides the query, key and head axes; index them first (e.g. .index({ ${extra[0]}: 0 })).`);
  const keyStart = options.keyStart ?? 0;
  const [rows, cols] = gridOf(options.grid, shape[k] - keyStart, what);
  if (!Number.isInteger(keyStart) || keyStart < 0 || keyStart + rows * cols > shape[k]) {
    throw new RangeError(`${what}: image tokens ${keyStart}…${keyStart + rows * cols - 1} (a ${rows}×${cols} grid from keyStart ${keyStart}) do not fit the ${shape[k]} keys of '${k}'.`);
  }
  const nq = shape[q];
  const queries = (typeof options.queries === 'number' ? [options.queries] : (options.queries ?? [-1])).map((i) => {
    const j = i < 0 ? nq + i : i;
    if (!Number.isInteger(i) || j < 0 || j >= nq) throw new RangeError(`${what}: query ${i} is out of range for '${q}' of size ${nq}.`);
    return j;
  });
  if (options.tokens && options.tokens.length !== nq) throw new Error(`${what}: ${options.tokens.length} tokens but '${q}' has size ${nq}; give one token per query.`);
  const nh = heads.reduce((p, h) => p * shape[h], 1);
  const mode = options.heads ?? (nh > 1 ? 'both' : 'mean');
  if (!['mean', 'each', 'both'].includes(mode)) throw new Error(`${what}: heads must be 'mean', 'each' or 'both'; got ${JSON.stringify(mode)}.`);
  const vmaxOpt = options.vmax ?? 'panel';
  if (vmaxOpt !== 'panel' && !(typeof vmaxOpt === 'number' && vmaxOpt > 0)) throw new RangeError(`${what}: vmax must be a positive number or 'panel'; got ${String(vmaxOpt)}.`);

  const values = readWeights(weights, [...heads, q, k]); // [nh, nq, nk]
  const nk = shape[k];
  const panels: Panel[] = [];
  for (const query of queries) {
    const perHead = Array.from({ length: nh }, (_, h) => Float64Array.from({ length: rows * cols }, (_, t) => values[(h * nq + query) * nk + keyStart + t]));
    const mean = Float64Array.from({ length: rows * cols }, (_, t) => perHead.reduce((s, w) => s + w[t], 0) / nh);
    if (mode !== 'each') panels.push({ query, head: 'mean', weights: mean, vmax: 0 });
    if (mode !== 'mean') perHead.forEach((w, h) => panels.push({ query, head: h, weights: w, vmax: 0 }));
  }
  for (const p of panels) {
    const top = Math.max(...p.weights.filter(Number.isFinite));
    p.vmax = vmaxOpt === 'panel' ? (top > 0 ? top : 1) : vmaxOpt;
  }
  const picture = imagePng(image, options, what);
  const label = (query: number) => `${q} ${query}${options.tokens ? ` ${JSON.stringify(options.tokens[query])}` : ''}`;
  const headLabel = (p: Panel) => (p.head === 'mean' ? (nh > 1 ? `mean of ${nh} heads` : 'attention') : `head ${p.head}`);
  const title = options.title ?? `Attention to the image (${rows}×${cols} tokens, ${k} ${keyStart}…${keyStart + rows * cols - 1})`;

  const opacity = options.opacity ?? 0.75;
  const size = options.panelSize ?? 200;
  const scale = size / Math.max(picture.height, picture.width);
  const id = `pj-ia-${++outputs}-${Math.random().toString(36).slice(2, 8)}`;
  // The picture is embedded once; every panel draws it by reference.
  const pictureId = `${id}-picture`;
  const pictureDef =
    `<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0" style="position:absolute" aria-hidden="true"><defs>` +
    `<image id="${pictureId}" href="${picture.url}" x="0" y="0" width="${picture.width}" height="${picture.height}" preserveAspectRatio="none" style="image-rendering:pixelated"/>` +
    `</defs></svg>`;
  const rowsHtml = queries.map((query) => {
    const figs = panels
      .filter((p) => p.query === query)
      .map((p) => panelSvg(p, picture, pictureId, rows, cols, opacity, scale, `${label(query)}, ${headLabel(p)}`, headLabel(p)))
      .join('');
    return `<div class="pj-image-attention-row" data-query="${query}"><div style="margin:6px 0 2px">${escapeHtml(label(query))}</div><div style="display:flex;flex-wrap:wrap;gap:8px">${figs}</div></div>`;
  });
  const picker = options.picker ?? queries.length > 1;
  const html =
    `<div class="pj-image-attention" id="${id}" style="font-family:ui-sans-serif,system-ui,sans-serif;font-size:12px">` +
    pictureDef +
    `<div style="font-weight:600;margin:0 0 4px">${escapeHtml(title)}</div>` +
    (picker ? pickerHtml(id, queries.map((qi) => (options.tokens ? options.tokens[qi] : `${q} ${qi}`))) : '') +
    `<div class="pj-image-attention-rows">${rowsHtml.join('')}</div>` +
    `</div>`;
  const text = [title, ...panels.map((p) => panelText(p, rows, cols, `${label(p.query)}, ${headLabel(p)}`))].join('\n');
  return new HtmlView(html, text);
}

/** Outputs made so far, for ids unique within a page (with a random part across kernel restarts). */
let outputs = 0;

/**
 * Radio inputs (one per query, the first checked) and their labels, with the style that shows
 * the checked query's row and highlights its label. The inputs precede the strip and the rows,
 * so `~` reaches both.
 */
function pickerHtml(id: string, labels: readonly string[]): string {
  const rules = labels.map((_, i) =>
    `#${id}>input:nth-of-type(${i + 1}):checked~.pj-image-attention-rows>.pj-image-attention-row:nth-child(${i + 1}){display:block}` +
    `#${id}>input:nth-of-type(${i + 1}):checked~.pj-image-attention-picker>label:nth-of-type(${i + 1}){background:#3c4a8c;color:#fff}`,
  );
  const style = `<style>#${id} .pj-image-attention-row{display:none}#${id} .pj-image-attention-picker label{cursor:pointer;padding:1px 4px;border:1px solid rgba(127,127,127,.4);border-radius:3px;white-space:pre}${rules.join('')}</style>`;
  const inputs = labels.map((_, i) => `<input type="radio" name="${id}" id="${id}-${i}" value="${i}"${i === 0 ? ' checked' : ''} hidden>`).join('');
  const strip = labels.map((t, i) => `<label for="${id}-${i}" title="show the attention of this query">${escapeHtml(t.replace(/\n/g, '⏎'))}</label>`).join(' ');
  return `${style}${inputs}<div class="pj-image-attention-picker" style="margin:2px 0 6px;display:flex;flex-wrap:wrap;gap:4px;align-items:center">query: ${strip}</div>`;
}

function gridOf(grid: ImageAttentionOptions['grid'], available: number, what: string): [number, number] {
  if (Array.isArray(grid)) {
    const [r, c] = grid as readonly [number, number];
    if (!Number.isInteger(r) || !Number.isInteger(c) || r < 1 || c < 1) throw new RangeError(`${what}: grid must be positive integers [rows, cols]; got [${r}, ${c}].`);
    return [r, c];
  }
  const n = grid ?? available;
  const side = Math.round(Math.sqrt(n as number));
  if (!Number.isInteger(n) || (n as number) < 1 || side * side !== n) {
    throw new RangeError(`${what}: ${grid === undefined ? `the ${n} keys from keyStart on are` : `grid ${n} is`} not a square number of image tokens; pass grid (mm_tokens_per_image, e.g. 256, or [rows, cols]) and keyStart.`);
  }
  return [side, side];
}

/** The weights as float64 in the given axis order, read in one transfer. */
function readWeights(w: NamedArray, order: readonly string[]): Float64Array {
  const perm = order.map((a) => w.dataAxisOf(a));
  const t = tf.tidy(() => tf.transpose(w.data.cast('float32'), perm));
  try {
    return Float64Array.from(t.dataSync() as Float32Array);
  } finally {
    t.dispose();
  }
}

interface Picture {
  width: number;
  height: number;
  url: string;
}

/** The image as a PNG data URL, scaled to bytes and resized to at most `maxImageSide`. */
function imagePng(image: NamedArray, o: ImageAttentionOptions, what: string): Picture {
  const shape = image.namedShape as Record<string, number>;
  const need = ['height', 'width', 'channel'];
  const missing = need.filter((a) => !(a in shape));
  const extra = image.names.filter((a) => !need.includes(a));
  if (missing.length || extra.length || image.positionalShape.length) {
    throw new Error(`${what}: the image must have exactly the axes {height, width, channel}; got {${Object.entries(shape).map(([a, n]) => `${a}: ${n}`).join(', ')}}${image.positionalShape.length ? ` and positional [${image.positionalShape.join(', ')}]` : ''}${extra.length ? ` (index ${extra.map((a) => `'${a}'`).join(', ')} first)` : ''}.`);
  }
  if (![1, 3, 4].includes(shape.channel)) throw new Error(`${what}: the image's channel axis must have 1 (grey), 3 (RGB) or 4 (RGBA) items; got ${shape.channel}.`);
  const maxSide = o.maxImageSide ?? 256;
  const { bytes, height, width } = tf.tidy(() => {
    let x = tf.transpose(image.data.cast('float32'), need.map((a) => image.dataAxisOf(a))) as tf.Tensor3D;
    if (shape.channel === 1) x = tf.tile(x, [1, 1, 3]);
    if (shape.channel === 4) x = tf.slice(x, [0, 0, 0], [-1, -1, 3]);
    const [lo, hi] = o.pixelRange ?? inferRange(x);
    if (!(hi > lo)) throw new RangeError(`${what}: pixelRange must be [low, high] with high > low; got [${lo}, ${hi}].`);
    const longest = Math.max(shape.height, shape.width);
    if (longest > maxSide) {
      const f = maxSide / longest;
      x = tf.image.resizeBilinear(x, [Math.max(1, Math.round(shape.height * f)), Math.max(1, Math.round(shape.width * f))]);
    }
    const scaled = x.sub(lo).mul(255 / (hi - lo)).clipByValue(0, 255).round();
    return { bytes: Uint8Array.from(scaled.dataSync()), height: x.shape[0], width: x.shape[1] };
  });
  return { width, height, url: `data:image/png;base64,${encodeBase64(encodePng({ width, height, data: bytes, channels: 3, depth: 8 }))}` };
}

function inferRange(x: tf.Tensor): [number, number] {
  const [min, max] = tf.tidy(() => [x.min().dataSync()[0], x.max().dataSync()[0]]);
  if (min < 0) return [-1, 1];
  if (max > 1) return [0, 255];
  return [0, 1];
}

/** One panel: the picture (a reference to its one embedded copy), a rect per image token coloured by its weight, a title per rect for hovering. */
function panelSvg(p: Panel, pic: Picture, pictureId: string, rows: number, cols: number, opacity: number, scale: number, caption: string, short: string): string {
  const cw = pic.width / cols;
  const ch = pic.height / rows;
  const rects: string[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const w = p.weights[r * cols + c];
      const t = Number.isFinite(w) ? Math.min(1, Math.max(0, w / p.vmax)) : 0;
      const [R, G, B] = valueColor(t, 0, 1, 'sequential');
      rects.push(
        `<rect x="${fmt(c * cw)}" y="${fmt(r * ch)}" width="${fmt(cw)}" height="${fmt(ch)}" fill="rgb(${R},${G},${B})" fill-opacity="${fmt(opacity * t)}" data-row="${r}" data-col="${c}" data-weight="${w}">` +
          `<title>row ${r}, col ${c} (token ${r * cols + c}): ${Number.isFinite(w) ? w.toPrecision(4) : String(w)}</title></rect>`,
      );
    }
  }
  const head = p.head === 'mean' ? 'mean' : String(p.head);
  return (
    `<figure class="pj-image-attention-panel" data-query="${p.query}" data-head="${head}" style="margin:0">` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${fmt(pic.width * scale)}" height="${fmt(pic.height * scale)}" viewBox="0 0 ${pic.width} ${pic.height}" role="img" aria-label="${escapeHtml(caption)}" style="display:block">` +
    `<use href="#${pictureId}"/>` +
    `<g shape-rendering="crispEdges">${rects.join('')}</g></svg>` +
    `<figcaption style="max-width:${fmt(pic.width * scale)}px">${escapeHtml(short)} · max ${p.vmax.toPrecision(3)}</figcaption></figure>`
  );
}

/** One panel as text: the caption and the weights as a grid of numbers. */
function panelText(p: Panel, rows: number, cols: number, caption: string): string {
  let hot = 0;
  p.weights.forEach((w, i) => {
    if (w > p.weights[hot]) hot = i;
  });
  const total = p.weights.reduce((s, w) => s + w, 0);
  const lines = [`${caption}: image total ${total.toPrecision(3)}, largest ${p.weights[hot].toPrecision(3)} at row ${Math.floor(hot / cols)}, col ${hot % cols}`];
  for (let r = 0; r < rows; r++) lines.push('  ' + Array.from(p.weights.subarray(r * cols, (r + 1) * cols), (w) => w.toFixed(3)).join(' '));
  return lines.join('\n');
}

const fmt = (x: number) => String(Math.round(x * 1000) / 1000);
