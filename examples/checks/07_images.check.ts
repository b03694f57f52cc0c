// Assertions on examples/07_images.ipynb: the tiny multimodal checkpoint saves and loads with its
// vision config, the PNG preprocesses to the tower's size in [-1, 1], the prompt expands to 16 image
// tokens, capture leaves the logits unchanged, and each overlay panel's hottest cell is where its
// text form says the largest weight is.
import { cell, ensure, expectAllRan, expectShape, expectViewer, inRange, number, type CellSummary, type NotebookSummary } from './lib.ts';

/** Each panel of an overlay: its hottest rect (by opacity) and the largest weight among its rects. */
function panels(html: string): { hot: { row: number; col: number }; maxWeightAt: { row: number; col: number } }[] {
  return [...html.matchAll(/<figure class="pj-image-attention-panel"[\s\S]*?<\/figure>/g)].map((m) => {
    const rects = [...m[0].matchAll(/fill-opacity="([\d.]+)" data-row="(\d+)" data-col="(\d+)" data-weight="([^"]+)"/g)].map((r) => ({
      opacity: Number(r[1]), row: Number(r[2]), col: Number(r[3]), weight: Number(r[4]),
    }));
    const by = (k: 'opacity' | 'weight') => rects.reduce((a, b) => (b[k] > a[k] ? b : a));
    return { hot: by('opacity'), maxWeightAt: by('weight'), count: rects.length };
  });
}

function expectOverlay(c: CellSummary, panelCount: number, cells: number): void {
  ensure(c.mimes.includes('text/html') && c.mimes.includes('text/plain'), `cell ${c.index}: expected an HTML overlay, got ${c.mimes.join(', ')}`);
  const html = c.html.join('');
  ensure(html.includes('data:image/png;base64,'), `cell ${c.index}: the picture is not embedded`);
  const ps = panels(html);
  ensure(ps.length === panelCount, `cell ${c.index}: ${ps.length} panels, expected ${panelCount}`);
  const text = c.text_plain.join('\n');
  const largest = [...text.matchAll(/largest [\d.e-]+ at row (\d+), col (\d+)/g)].map((m) => ({ row: Number(m[1]), col: Number(m[2]) }));
  ensure(largest.length === panelCount, `cell ${c.index}: text form names ${largest.length} largest weights`);
  ps.forEach((p, i) => {
    ensure(p.hot.row === p.maxWeightAt.row && p.hot.col === p.maxWeightAt.col, `cell ${c.index} panel ${i}: hottest cell (${p.hot.row}, ${p.hot.col}) is not the largest weight's`);
    ensure(p.hot.row === largest[i].row && p.hot.col === largest[i].col, `cell ${c.index} panel ${i}: hottest cell (${p.hot.row}, ${p.hot.col}) but the text says (${largest[i].row}, ${largest[i].col})`);
  });
  ensure((html.match(/<rect /g) ?? []).length === panelCount * cells, `cell ${c.index}: expected ${cells} cells per panel`);
}

export default function check(s: NotebookSummary): void {
  expectAllRan(s);
  const ckpt = cell(s, '// check: checkpoint').stdout;
  ensure(/config\.json/.test(ckpt) && /model\.safetensors/.test(ckpt), `checkpoint files: ${ckpt}`);

  const load = cell(s, '// check: load');
  inRange(number(load.stdout, 'parameters:'), 40_000, 50_000, 'parameters');
  ensure(load.stdout.includes('soft tokens per image: 16'), `vision config: ${load.stdout}`);
  expectViewer(load, 'GemmaTransformer(');

  const image = cell(s, '// check: image').stdout;
  expectShape(image, 'images:', { batch: 1, image: 1, height: 64, width: 64, channel: 3 });
  inRange(number(image, 'pixel range:'), -1, -0.5, 'darkest pixel');

  const prompt = cell(s, '// check: prompt').stdout;
  ensure(number(prompt, 'image tokens:') === 16, `image tokens: ${prompt}`);
  ensure(number(prompt, 'first image token at:') === 3, `image start: ${prompt}`);

  const capture = cell(s, '// check: capture').stdout;
  ensure(number(capture, 'blocks captured:') === 2, capture);
  expectShape(capture, 'pattern:', { batch: 1, query_heads: 2, seq: 27, kv_seq: 27 });
  ensure(number(capture, 'probing changes the logits by:') === 0, capture);
  ensure(capture.includes('first image token → last image token: true'), `image block is bidirectional: ${capture}`);
  ensure(number(capture, 'text token → later token:') === 0, `text is causal: ${capture}`);

  expectOverlay(cell(s, '// check: last-token'), 3, 16);
  expectOverlay(cell(s, '// check: queries-overlay'), 4, 16);
  const tower = cell(s, '// check: tower');
  expectShape(tower.stdout, 'tower pattern:', { batch: 1, image: 1, heads: 2, patches: 64, kv_patches: 64 });
  expectOverlay(tower, 3, 64);
}
