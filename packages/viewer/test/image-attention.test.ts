/**
 * The text-to-image attention overlay: panels per query and head, each image token's weight on
 * its grid cell (row-major from keyStart), the hottest cell where the largest weight is, the
 * picture embedded as a PNG that decodes to the image's pixels, clear errors, no leaks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { PNG } from 'pngjs';
import { JUPYTER_DISPLAY, renderImageAttention } from '@penjing/viewer';

beforeAll(async () => {
  await nx.ready();
});

/** {heads: 2, seq: 3, kv_seq: 6}: distinct weights, image tokens at keys 2…5. */
const W = [
  [
    [0.5, 0.1, 0.1, 0.1, 0.1, 0.1],
    [0.3, 0.1, 0.05, 0.05, 0.4, 0.1],
    [0.2, 0.0, 0.1, 0.6, 0.04, 0.06],
  ],
  [
    [0.9, 0.02, 0.02, 0.02, 0.02, 0.02],
    [0.1, 0.1, 0.5, 0.1, 0.1, 0.1],
    [0.1, 0.1, 0.02, 0.08, 0.3, 0.4],
  ],
];
const weights = () => nx.fromArray(W, ['heads', 'seq', 'kv_seq']);
/** A 4×4 RGB image in [-1, 1] whose pixel (y, x) is (x/3·2−1, y/3·2−1, 0). */
const image = () => nx.wrap(tf.tensor3d(Array.from({ length: 16 }, (_, i) => [((i % 4) / 3) * 2 - 1, (Math.floor(i / 4) / 3) * 2 - 1, 0]).flat(), [4, 4, 3])).tag('height', 'width', 'channel');

interface Rect {
  row: number;
  col: number;
  weight: number;
  opacity: number;
  x: number;
  y: number;
  w: number;
  h: number;
}
function panels(html: string): { query: number; head: string; rects: Rect[] }[] {
  return [...html.matchAll(/<figure class="pj-image-attention-panel" data-query="(\d+)" data-head="(\w+)"[\s\S]*?<\/figure>/g)].map((m) => ({
    query: Number(m[1]),
    head: m[2],
    rects: [...m[0].matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="[^"]+" fill-opacity="([\d.]+)" data-row="(\d+)" data-col="(\d+)" data-weight="([^"]+)">/g)].map((r) => ({
      x: Number(r[1]), y: Number(r[2]), w: Number(r[3]), h: Number(r[4]), opacity: Number(r[5]), row: Number(r[6]), col: Number(r[7]), weight: Number(r[8]),
    })),
  }));
}

describe('renderImageAttention', () => {
  it('draws the mean and each head for the chosen queries, each image token on its grid cell', () => {
    const [im, w] = [image(), weights()];
    const before = tf.memory().numTensors;
    const out = renderImageAttention(im, w, { keyStart: 2, queries: [1, -1], tokens: ['<bos>', 'a', 'b'] });
    expect(tf.memory().numTensors).toBe(before);
    const ps = panels(out.html());
    expect(ps.map((p) => `${p.query}:${p.head}`)).toEqual(['1:mean', '1:0', '1:1', '2:mean', '2:0', '2:1']);
    // The picture is embedded once; each of the six panels draws it by reference.
    expect(out.html().match(/data:image\/png/g)).toHaveLength(1);
    const pictureId = /<image id="([^"]+)" href="data:image\/png/.exec(out.html())![1];
    expect(out.html().match(new RegExp(`<use href="#${pictureId}"/>`, 'g'))).toHaveLength(6);
    for (const p of ps) {
      expect(p.rects).toHaveLength(4);
      const expected = (row: number, col: number) => {
        const key = 2 + row * 2 + col;
        const per = W.map((h) => h[p.query][key]);
        return p.head === 'mean' ? (per[0] + per[1]) / 2 : per[Number(p.head)];
      };
      for (const r of p.rects) {
        expect(r.weight).toBeCloseTo(expected(r.row, r.col), 6);
        // The 4×4 picture split 2×2: each cell is 2×2 pixels at (2·col, 2·row).
        expect([r.x, r.y, r.w, r.h]).toEqual([2 * r.col, 2 * r.row, 2, 2]);
      }
      // The hottest (most opaque) cell is the largest weight, at full opacity; opacity scales with weight.
      const hottest = p.rects.reduce((a, b) => (b.opacity > a.opacity ? b : a));
      expect(hottest.weight).toBe(Math.max(...p.rects.map((r) => r.weight)));
      expect(hottest.opacity).toBeCloseTo(0.75, 3);
      for (const r of p.rects) expect(Math.abs(r.opacity - (0.75 * r.weight) / hottest.weight)).toBeLessThanOrEqual(5.01e-4); // written to 3 decimals
    }
    // Query 2, head 0: keys 2…5 hold 0.1 0.6 / 0.04 0.06, so the hottest cell is row 0, col 1.
    const h0 = ps.find((p) => p.query === 2 && p.head === '0')!;
    expect(h0.rects.find((r) => r.opacity === Math.max(...h0.rects.map((x) => x.opacity)))).toMatchObject({ row: 0, col: 1 });
    expect(out.html()).toContain('seq 2 &quot;b&quot;');
    // The text form: one grid of numbers per panel, naming the largest.
    expect(out.toString()).toContain('seq 2 "b", head 0: image total 0.800, largest 0.600 at row 0, col 1\n  0.100 0.600\n  0.040 0.060');
    expect(out[JUPYTER_DISPLAY]()['text/html']).toBe(out.html());
    // Two queries: a picker, one radio input and label per query, the first checked, and a rule per query.
    const html = out.html();
    expect(html.match(/<input type="radio"/g)).toHaveLength(2);
    expect(html.match(/<input [^>]* checked hidden>/g)).toHaveLength(1);
    expect([...html.matchAll(/<label for="[^"]+-(\d)"[^>]*>([^<]*)<\/label>/g)].map((m) => [m[1], m[2]])).toEqual([['0', 'a'], ['1', 'b']]);
    expect(html).toMatch(/input:nth-of-type\(2\):checked~\.pj-image-attention-rows>\.pj-image-attention-row:nth-child\(2\)\{display:block\}/);
    expect(renderImageAttention(im, w, { keyStart: 2, queries: 1 }).html()).not.toContain('<input');
    im.dispose();
    w.dispose();
  });

  it('embeds the image as a PNG holding its pixels, mapped from [-1, 1] to bytes', () => {
    const im = image();
    const w = nx.fromArray([[0.25, 0.25, 0.25, 0.25]], ['seq', 'kv_seq']);
    const html = renderImageAttention(im, w).html();
    expect(panels(html).map((p) => p.head)).toEqual(['mean']); // one head: one panel
    const url = /href="data:image\/png;base64,([^"]+)"/.exec(html)![1];
    const png = PNG.sync.read(Buffer.from(url, 'base64'));
    expect([png.width, png.height]).toEqual([4, 4]);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 4; x++) {
        const i = (y * 4 + x) * 4;
        expect([...png.data.subarray(i, i + 3)]).toEqual([Math.round((x / 3) * 255), Math.round((y / 3) * 255), 128]);
      }
    }
    im.dispose();
    w.dispose();
  });

  it('resizes large pictures down and keeps the grid over the whole picture; accepts [rows, cols] grids', () => {
    const im = nx.wrap(tf.fill([600, 300, 3], 200)).tag('height', 'width', 'channel');
    const w = nx.fromArray([[0, 0, 0, 0, 0, 1]], ['seq', 'kv_seq']);
    const html = renderImageAttention(im, w, { grid: [3, 2], maxImageSide: 100 }).html();
    const png = PNG.sync.read(Buffer.from(/base64,([^"]+)"/.exec(html)![1], 'base64'));
    expect([png.width, png.height]).toEqual([50, 100]);
    expect(png.data[0]).toBe(200); // 0..255 input is kept as is
    const [p] = panels(html);
    expect(p.rects.at(-1)).toMatchObject({ row: 2, col: 1, x: 25, y: 66.667, opacity: 0.75 });
    im.dispose();
    w.dispose();
  });

  it('refuses bad input with errors naming the problem, leaking nothing', () => {
    const [im, w] = [image(), weights()];
    const batched = nx.fromArray([W[0]], ['batch', 'seq', 'kv_seq']);
    const before = tf.memory().numTensors;
    expect(() => renderImageAttention(im, w)).toThrow(/6 keys from keyStart on are not a square number/);
    expect(() => renderImageAttention(im, w, { keyStart: 3, grid: 4 })).toThrow(/2×2 grid from keyStart 3\) do not fit the 6 keys/);
    expect(() => renderImageAttention(im, w, { keyStart: 2, queries: 3 })).toThrow(/query 3 is out of range for 'seq' of size 3/);
    expect(() => renderImageAttention(im, batched, { keyStart: 2 })).toThrow(/axes 'batch' besides the query, key and head axes; index them first/);
    expect(() => renderImageAttention(im, w, { keyStart: 2, queryAxis: 'q' })).toThrow(/no 'q' axis; their named shape is \{heads: 2, seq: 3, kv_seq: 6\}/);
    expect(() => renderImageAttention(w, w, { keyStart: 2 })).toThrow(/exactly the axes \{height, width, channel\}/);
    expect(() => renderImageAttention(im, w, { keyStart: 2, tokens: ['a'] })).toThrow(/1 tokens but 'seq' has size 3/);
    expect(() => renderImageAttention(im, w, { keyStart: 2, pixelRange: [1, 1] })).toThrow(/high > low/);
    expect(tf.memory().numTensors).toBe(before);
    for (const a of [im, w, batched]) a.dispose();
  });
});

describe('the embedded picture', () => {
  it('is a PNG of the image, scaled to bytes, that an independent decoder reads back', () => {
    const rgb = Float32Array.from({ length: 20 * 12 * 3 }, (_, i) => ((i * 7) % 256) / 255);
    const im = nx.wrap(tf.tensor3d(rgb, [12, 20, 3])).tag('height', 'width', 'channel');
    const w = nx.wrap(tf.ones([2, 6])).tag('seq', 'kv_seq');
    const html = renderImageAttention(im, w, { keyStart: 2, grid: [2, 2] }).html();
    const url = /href="data:image\/png;base64,([^"]+)"/.exec(html)![1]!;
    const decoded = PNG.sync.read(Buffer.from(url, 'base64'));
    expect([decoded.width, decoded.height]).toEqual([20, 12]);
    for (let p = 0; p < 20 * 12; p += 7) {
      expect([...decoded.data.subarray(4 * p, 4 * p + 3)]).toEqual([...rgb.subarray(3 * p, 3 * p + 3)].map((v) => Math.round(v * 255)));
    }
    for (const a of [im, w]) a.dispose();
  });
});
