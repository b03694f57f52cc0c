// The text-to-image attention overlay in headless Chromium: the picture shows, the hottest
// image token's cell is drawn in the map's hot colour over the image where the largest weight
// is, untouched cells show the picture itself, and hovering a cell finds that token's rect.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { PNG } from 'pngjs';
import { renderImageAttention } from '@penjing/viewer';
import { htmlDocument } from '../../packages/viewer/src/html.js';
import { openHtml, screenshot, useBrowser } from './harness.js';

beforeAll(async () => {
  await nx.ready();
});
const browser = useBrowser();

describe('image attention in Chromium', () => {
  it('draws the largest weight hottest over the right patch of the picture', async () => {
    // A 16×16 picture: grey 128 everywhere but a red top-left quarter; a 4×4 token grid.
    const pixels = Array.from({ length: 16 * 16 }, (_, i) => (i % 16 < 8 && i < 128 ? [255, 0, 0] : [128, 128, 128])).flat();
    const image = nx.wrap(tf.tensor3d(pixels, [16, 16, 3])).tag('height', 'width', 'channel');
    // One query; all weight on token 9 (row 2, col 1) but a little on token 15 (row 3, col 3).
    const w = new Array(3 + 16).fill(0);
    w[3 + 9] = 0.4;
    w[3 + 15] = 0.1;
    const weights = nx.fromArray([w], ['seq', 'kv_seq']);
    const html = renderImageAttention(image, weights, { keyStart: 3, grid: 16, panelSize: 160, pixelRange: [0, 255] }).html();
    const p = await openHtml(browser(), htmlDocument([html]));
    const svg = p.page.locator('.pj-image-attention-panel svg').first();
    const box = (await svg.boundingBox())!;
    expect([box.width, box.height]).toEqual([160, 160]);
    const shot = PNG.sync.read(await svg.screenshot());
    const scale = shot.width / 160; // device pixels per CSS pixel
    /** RGB at the centre of grid cell (row, col): cells are 40 CSS px. */
    const at = (row: number, col: number, dx = 20, dy = 20) => {
      const i = (Math.round((row * 40 + dy) * scale) * shot.width + Math.round((col * 40 + dx) * scale)) * 4;
      return [...shot.data.subarray(i, i + 3)];
    };
    const near = (a: number[], b: number[]) => a.every((v, k) => Math.abs(v - b[k]) <= 3);
    // Hot cell: 0.75 of the map's top colour (248, 228, 80) over grey 128.
    const hot = [248, 228, 80].map((c) => 0.75 * c + 0.25 * 128);
    expect(near(at(2, 1), hot), `cell (2, 1) is ${at(2, 1)}, expected about ${hot}`).toBe(true);
    // Weight 0: the picture shows through unchanged (grey, and red in the top-left quarter).
    expect(near(at(3, 0), [128, 128, 128]), `cell (3, 0) is ${at(3, 0)}`).toBe(true);
    expect(near(at(0, 0), [255, 0, 0]), `cell (0, 0) is ${at(0, 0)}`).toBe(true);
    // The quarter-weight cell is tinted, less than the hot one.
    const quarter = at(3, 3);
    expect(near(quarter, [128, 128, 128])).toBe(false);
    expect(Math.abs(quarter[2] - 128)).toBeLessThan(Math.abs(hot[2] - 128));
    // Hovering a cell lands on that token's rect, whose title gives its weight.
    const hit = await p.page.evaluate(([x, y]) => {
      const el = document.elementFromPoint(x, y);
      return el ? [el.getAttribute('data-row'), el.getAttribute('data-col'), el.querySelector('title')?.textContent] : null;
    }, [box.x + 60, box.y + 100]);
    expect(hit).toEqual(['2', '1', 'row 2, col 1 (token 9): 0.4000']);
    await screenshot(p.page, 'viewer-image-attention');
    expect(p.errors).toEqual([]);
    expect(p.externalRequests()).toEqual([]);
    await p.close();
    image.dispose();
    weights.dispose();
  });

  it('switches the query shown when its token is clicked', async () => {
    const image = nx.wrap(tf.fill([8, 8, 3], 0)).tag('height', 'width', 'channel');
    const weights = nx.fromArray([[0.5, 0.1, 0.1, 0.3], [0.1, 0.1, 0.7, 0.1], [0.2, 0.2, 0.2, 0.4]], ['seq', 'kv_seq']);
    const html = renderImageAttention(image, weights, { queries: [0, 2], tokens: ['first', 'second', 'third'] }).html();
    const p = await openHtml(browser(), htmlDocument([html]));
    const shown = () => p.page.$$eval('.pj-image-attention-row', (rows) => rows.filter((r) => (r as HTMLElement).offsetParent !== null).map((r) => r.getAttribute('data-query')));
    expect(await shown()).toEqual(['0']);
    await p.page.click('label:has-text("third")');
    expect(await shown()).toEqual(['2']);
    await p.page.click('label:has-text("first")');
    expect(await shown()).toEqual(['0']);
    expect(p.errors).toEqual([]);
    await p.close();
    image.dispose();
    weights.dispose();
  });
});
