/**
 * Painting a heatmap into canvas pixels: value colours, and 5×5 glyphs inside the 7×7 cell
 * grid (scaled with the cell size) for NaN, ±inf, clipped values, masked cells and the
 * truncation gap.
 */
import { decodeBase64 } from '../shared/base64.js';
import { luminance, valueColor, type RGB } from '../shared/colormap.js';
import { buildTrack, displayToKept, keptStrides, type Track } from '../shared/geometry.js';
import { facetHeadings, type FacetHeading } from '../shared/describe.js';
import type { HeatSpec } from '../shared/model.js';

const GLYPHS = {
  nan: ['#...#', '.#.#.', '..#..', '.#.#.', '#...#'],
  inf: ['#####', '..#..', '..#..', '..#..', '#####'],
  plus: ['.....', '..#..', '.###.', '..#..', '.....'],
  minus: ['.....', '.....', '.###.', '.....', '.....'],
  mask: ['.....', '.#.#.', '.....', '.#.#.', '.....'],
  gap: ['.....', '.....', '#.#.#', '.....', '.....'],
} as const;

/** 5×5 digit glyphs (3 wide, centred) for integer arrays drawn as digit boxes. */
const DIGITS: readonly (readonly string[])[] = [
  ['.###.', '.#.#.', '.#.#.', '.#.#.', '.###.'],
  ['..#..', '.##..', '..#..', '..#..', '.###.'],
  ['.###.', '...#.', '.###.', '.#...', '.###.'],
  ['.###.', '...#.', '..##.', '...#.', '.###.'],
  ['.#.#.', '.#.#.', '.###.', '...#.', '...#.'],
  ['.###.', '.#...', '.###.', '...#.', '.###.'],
  ['.###.', '.#...', '.###.', '.#.#.', '.###.'],
  ['.###.', '...#.', '...#.', '..#..', '..#..'],
  ['.###.', '.#.#.', '.###.', '.#.#.', '.###.'],
  ['.###.', '.#.#.', '.###.', '...#.', '.###.'],
];

/** Colours read from the page's theme (CSS custom properties). */
export interface Palette {
  masked: RGB;
  maskedDot: RGB;
  gap: RGB;
  gapDot: RGB;
}

/** Decoded data and layout, computed once per spec. */
export interface Prepared {
  spec: HeatSpec;
  values: Float32Array | Int32Array;
  mask: Uint8Array | undefined;
  rows: Track;
  cols: Track;
  strides: number[];
  /** Data offset contributed by each row / column entry, or -1 where it crosses a gap. */
  rowOff: Int32Array;
  colOff: Int32Array;
  /** Headings of the outer facet groups along rows / columns. */
  rowHeads: FacetHeading[];
  colHeads: FacetHeading[];
}

export function prepare(spec: HeatSpec): Prepared {
  const bytes = decodeBase64(spec.data);
  const values = spec.enc === 'f' ? new Float32Array(bytes.buffer, 0, bytes.length / 4) : new Int32Array(bytes.buffer, 0, bytes.length / 4);
  const mask = spec.mask ? decodeBase64(spec.mask) : undefined;
  const rows = buildTrack(spec.axes, spec.rows);
  const cols = buildTrack(spec.axes, spec.cols);
  const strides = keptStrides(spec.axes);
  const offsets = (t: Track) =>
    Int32Array.from(t.entries, (e) => {
      let off = 0;
      for (let l = 0; l < t.axes.length; l++) {
        const k = displayToKept(spec.axes[t.axes[l]], e.idx[l]);
        if (k < 0) return -1;
        off += k * strides[t.axes[l]];
      }
      return off;
    });
  return { spec, values, mask, rows, cols, strides, rowOff: offsets(rows), colOff: offsets(cols), rowHeads: facetHeadings(spec.axes, rows), colHeads: facetHeadings(spec.axes, cols) };
}

/** Paints every cell for the given slider offset into a fresh ImageData. */
export function paint(ctx: CanvasRenderingContext2D, p: Prepared, base: number, pal: Palette): void {
  const { spec, values, mask, rows, cols } = p;
  const ppc = spec.ppc;
  const W = (cols.extent + 2) * ppc;
  const H = (rows.extent + 2) * ppc;
  const img = ctx.createImageData(W, H);
  const buf = img.data;
  const scale = ppc / 7;
  const top = valueColor(spec.vmax, spec.vmin, spec.vmax, spec.cmap);
  const bottom = valueColor(spec.vmin, spec.vmin, spec.vmax, spec.cmap);
  const mark = (bg: RGB): RGB => (luminance(bg) > 0.55 ? [0, 0, 0] : [255, 255, 255]);
  const cell = (cx: number, cy: number, bg: RGB, glyph?: readonly string[], fg?: RGB) => {
    const x0 = (cx + 1) * ppc;
    const y0 = (cy + 1) * ppc;
    for (let py = 0; py < ppc; py++) {
      const gy = Math.floor(py / scale) - 1;
      const row = glyph && gy >= 0 && gy < 5 ? glyph[gy] : undefined;
      for (let px = 0; px < ppc; px++) {
        const gx = Math.floor(px / scale) - 1;
        const c = row && gx >= 0 && gx < 5 && row[gx] === '#' ? fg! : bg;
        const at = ((y0 + py) * W + x0 + px) * 4;
        buf[at] = c[0];
        buf[at + 1] = c[1];
        buf[at + 2] = c[2];
        buf[at + 3] = 255;
      }
    }
  };
  for (let r = 0; r < rows.entries.length; r++) {
    const ro = p.rowOff[r];
    const cy = rows.entries[r].pos;
    for (let c = 0; c < cols.entries.length; c++) {
      const co = p.colOff[c];
      const cx = cols.entries[c].pos;
      if (ro < 0 || co < 0) {
        cell(cx, cy, pal.gap, GLYPHS.gap, pal.gapDot);
        continue;
      }
      const off = base + ro + co;
      const v = values[off];
      if (mask && !mask[off]) cell(cx, cy, pal.masked, GLYPHS.mask, pal.maskedDot);
      else if (Number.isNaN(v)) cell(cx, cy, [0, 0, 0], GLYPHS.nan, [255, 0, 255]);
      else if (v === Infinity) cell(cx, cy, top, GLYPHS.inf, mark(top));
      else if (v === -Infinity) cell(cx, cy, bottom, GLYPHS.inf, mark(bottom));
      else if (v > spec.vmax) cell(cx, cy, top, GLYPHS.plus, mark(top));
      else if (v < spec.vmin) cell(cx, cy, bottom, GLYPHS.minus, mark(bottom));
      else if (spec.digits) {
        const bg = valueColor(v, spec.vmin, spec.vmax, spec.cmap);
        cell(cx, cy, bg, DIGITS[v], mark(bg));
      } else cell(cx, cy, valueColor(v, spec.vmin, spec.vmax, spec.cmap));
    }
  }
  ctx.putImageData(img, 0, 0);
}

/** Resolves any CSS colour (hex, rgb(), oklch(), names) to bytes by painting one pixel. */
export function resolveColor(css: string, fallback: RGB): RGB {
  const c = document.createElement('canvas');
  c.width = c.height = 1;
  const ctx = c.getContext('2d', { willReadFrequently: true });
  if (!ctx || !css.trim()) return fallback;
  ctx.fillStyle = `rgb(${fallback.join(',')})`;
  ctx.fillStyle = css.trim();
  ctx.fillRect(0, 0, 1, 1);
  const d = ctx.getImageData(0, 0, 1, 1).data;
  return [d[0], d[1], d[2]];
}
