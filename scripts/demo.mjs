// `npm run demo`: the induction-heads study on the tiny Gemma committed in
// examples/tiny-gemma, end to end. It loads the checkpoint, measures the loss on both halves
// of repeated random sequences, captures every attention pattern through side outputs,
// scores each head by a diagonal gather, knocks heads out, patches head outputs from a clean
// into a corrupted run over a `worlds` axis, and reads the logit lens. It prints a short
// table and writes out/demo.html, a self-contained page (no network) to send to a colleague.
//
//   node scripts/demo.mjs [--out out/demo.html] [--checkpoint examples/tiny-gemma]   (on the built packages)
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '@penjing/io/node';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { disposeTree } from '@penjing/layers';
import { GemmaTransformer } from '@penjing/gemma';
import {
  captureAttention, halfLosses, inductionScores, knockOutHeads, logitLensLosses, patchHeadsFromClean,
  previousTokenScores, rankHeads, repeatedRandomTokens, seededRandom, tokenLabels, tokenLosses,
} from '@penjing/interp';
import { renderAttention, view, escapeHtml } from '@penjing/viewer';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEFAULT_CHECKPOINT = join(ROOT, 'examples', 'tiny-gemma');

/** Mean of the two halves' losses for a model on the study's tokens. */
function halvesOf(model, tokens, length) {
  const losses = tokenLosses(model, tokens);
  try {
    return halfLosses(losses, length);
  } finally {
    losses.dispose();
  }
}

/**
 * The whole study. Returns the numbers, the views for the page (rendered while the tensors
 * are alive), and the elapsed time; leaves no tensor behind.
 *
 * @example const study = await runStudy(); study.halves.second; // ≈ 0.3
 */
export async function runStudy({ checkpoint = DEFAULT_CHECKPOINT, length = 16, batch = 32, seed = 2024 } = {}) {
  const t0 = performance.now();
  const backend = await nx.ready();
  const model = await GemmaTransformer.fromPretrained(checkpoint, { progress: false });
  const vocabulary = JSON.parse(readFileSync(join(checkpoint, 'tokens.json'), 'utf8'));
  const { config } = model;
  const firstId = vocabulary.findIndex((t) => !t.startsWith('<'));
  const random = seededRandom(seed);
  const data = repeatedRandomTokens({ batch, length, vocabSize: config.vocabSize, firstId, bosId: config.bosTokenId, random });
  const tokens = data.tokens;
  const labels = tokenLabels(data.ids[0], vocabulary);
  const views = {};
  try {
    // 1. Per-token loss: the repeat is predictable only by copying.
    const losses = tokenLosses(model, tokens);
    const halves = halfLosses(losses, length);
    const example = losses.index({ batch: 0 });
    views.losses = view(example, {
      rows: [], cols: ['seq'], aroundZero: false, vmin: 0, vmax: 5, pixelsPerCell: 24,
      tokens: { seq: labels.slice(1) }, title: 'Per-token loss',
    });
    const perToken = example.data.arraySync();
    tf.dispose([losses.data, example.data]);

    // 2. Every attention pattern, stacked on `blocks`, and head scores by diagonal gathers.
    const { logits, patterns } = captureAttention(model, tokens);
    logits.dispose();
    const induction = inductionScores(patterns, length);
    const previous = previousTokenScores(patterns);
    const inductionRanking = rankHeads(induction);
    const previousRanking = rankHeads(previous);
    const headLabels = { blocks: ['block 0', 'block 1'].slice(0, config.numLayers), heads: Array.from({ length: config.numHeads }, (_, h) => `head ${h}`) };
    const scoreView = (scores, title) =>
      view(scores, { rows: ['blocks'], cols: ['heads'], aroundZero: false, vmin: 0, vmax: 1, pixelsPerCell: 34, tokens: headLabels, title });
    views.induction = scoreView(induction, 'Induction scores');
    views.previous = scoreView(previous, 'Previous-token scores');
    // The top induction heads and the top previous-token head, on the first sequence.
    const shown = [...inductionRanking.slice(0, 2), previousRanking[0]];
    views.patterns = shown.map((h, i) => {
      const p = patterns.index({ blocks: h.block, batch: 0, heads: h.head });
      const kind = i < 2 ? 'induction' : 'previous-token';
      const v = renderAttention(p, { tokens: labels, mask: 'causal', pixelsPerCell: 12, title: `block ${h.block} · head ${h.head}` });
      p.dispose();
      return { head: h, kind, score: i < 2 ? h.score : previousRanking[0].score, view: v };
    });
    tf.dispose([patterns.data, induction.data, previous.data]);

    // 3. Knock-outs: every head alone, then the two best induction heads together.
    const knockouts = [];
    for (let block = 0; block < config.numLayers; block++) {
      for (let head = 0; head < config.numHeads; head++) {
        const ablated = knockOutHeads(model, [{ block, head }]);
        knockouts.push({ block, head, ...halvesOf(ablated, tokens, length) });
        disposeTree(ablated, { except: [model] });
      }
    }
    const top = inductionRanking[0];
    const topKnockout = knockouts.find((k) => k.block === top.block && k.head === top.head);
    const pair = inductionRanking.slice(0, 2);
    const ablatedPair = knockOutHeads(model, pair);
    const pairKnockout = { heads: pair, ...halvesOf(ablatedPair, tokens, length) };
    disposeTree(ablatedPair, { except: [model] });

    // 4. Activation patching: the same second half after a different first half.
    const cleanRows = data.ids.slice(0, 8);
    const corruptRows = cleanRows.map((row) => [
      row[0], ...Array.from({ length }, () => firstId + Math.floor(random() * (config.vocabSize - firstId))), ...row.slice(1 + length),
    ]);
    const clean = nx.fromArray(cleanRows, ['batch', 'seq'], 'int32');
    const corrupted = nx.fromArray(corruptRows, ['batch', 'seq'], 'int32');
    // Loss positions L+1 … 2L−1 predict tokens of the repeat that the first half determines.
    const positions = Array.from({ length: length - 1 }, (_, i) => length + 1 + i);
    const patch = patchHeadsFromClean(model, clean, corrupted, { positions });
    const patching = { clean: patch.clean, corrupted: patch.corrupted, ranking: rankHeads(patch.recovery) };
    views.patching = view(patch.recovery, {
      rows: ['blocks'], cols: ['heads'], aroundZero: true, vmin: -1, vmax: 1, pixelsPerCell: 40, tokens: headLabels,
      title: 'Recovery by patching one head',
    });
    tf.dispose([clean.data, corrupted.data, patch.losses.data, patch.recovery.data]);

    // 5. Logit lens: decode the residual stream after the embedding and after each block.
    const lensLosses = logitLensLosses(model, tokens);
    const lens = Array.from({ length: config.numLayers + 1 }, (_, layer) => {
      const l = lensLosses.index({ layer });
      const h = halfLosses(l, length);
      l.dispose();
      return { layer: layer === 0 ? 'embedding' : `block ${layer - 1}`, ...h };
    });
    lensLosses.dispose();

    views.model = view(model, { title: 'The model' });
    return {
      backend, checkpoint, config, vocabulary, length, batch, seed, labels, perToken,
      halves, inductionRanking, previousRanking, knockouts, topKnockout, pairKnockout, patching, lens, views,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    tokens.dispose();
    disposeTree(model);
  }
}

const f3 = (x) => x.toFixed(3);
const headName = (h) => `${h.block}.${h.head}`;

/** The table printed by the demo, as lines. @example formatTable(study).join('\n') */
export function formatTable(s) {
  const top = s.inductionRanking.slice(0, 3);
  const rise = s.topKnockout.second - s.halves.second;
  return [
    `tiny Gemma (${s.config.numLayers} layers × ${s.config.numHeads} heads), ${s.batch} held-out sequences <bos> + ${s.length} random tokens + the same ${s.length}`,
    '',
    '                                    loss first half   loss second half',
    `  model                             ${f3(s.halves.first).padStart(15)}   ${f3(s.halves.second).padStart(16)}`,
    `  top head ${headName(s.topKnockout)} knocked out        ${f3(s.topKnockout.first).padStart(15)}   ${f3(s.topKnockout.second).padStart(16)}   (+${f3(rise)})`,
    `  heads ${s.pairKnockout.heads.map(headName).join(' + ')} knocked out      ${f3(s.pairKnockout.first).padStart(15)}   ${f3(s.pairKnockout.second).padStart(16)}`,
    '',
    `  top heads by induction score (block.head): ${top.map((h) => `${headName(h)} ${h.score.toFixed(2)}`).join(', ')}`,
    `  top previous-token head: ${headName(s.previousRanking[0])} ${s.previousRanking[0].score.toFixed(2)}`,
    `  patching one head from clean into corrupted recovers most with: ${s.patching.ranking.slice(0, 2).map((h) => `${headName(h)} ${(100 * h.score).toFixed(0)}%`).join(', ')}`,
    `  logit lens, second-half loss: ${s.lens.map((l) => `${l.layer} ${f3(l.second)}`).join(' → ')}`,
  ];
}

const CSS = `
:root{color-scheme:light;--ink:#1f2328;--mute:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--acc:#0b6bcb;--bad:#c2410c}
body{margin:0;font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#fff}
main{max-width:1140px;margin:0 auto;padding:28px 24px 48px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:34px 0 6px;padding-top:14px;border-top:1px solid var(--line)}
p{margin:6px 0 10px;max-width:78ch}.mute{color:var(--mute)}code{font:13px ui-monospace,Menlo,Consolas,monospace;background:var(--soft);padding:1px 4px;border-radius:4px}
.stats{display:flex;gap:14px;flex-wrap:wrap;margin:16px 0}.stat{border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:170px}
.stat b{display:block;font-size:26px;font-variant-numeric:tabular-nums}.stat span{color:var(--mute);font-size:13px}
table{border-collapse:collapse;margin:8px 0 12px;font-variant-numeric:tabular-nums}th,td{padding:4px 12px;border-bottom:1px solid var(--line);text-align:right}
th:first-child,td:first-child{text-align:left}th{font-weight:600;background:var(--soft)}tr.hl td{background:#fff4e5;font-weight:600}
.grid{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}.card{border:1px solid var(--line);border-radius:8px;padding:10px 12px;overflow:auto;max-width:100%}
.card h3{font-size:15px;margin:0 0 2px}.card p{font-size:13px;margin:0 0 6px;color:var(--mute)}
.pattern{display:flex;gap:18px;align-items:flex-start}.pattern .about{max-width:300px;padding-top:4px}.pattern .about p{font-size:14px}
.pj-output{margin:0}footer{margin-top:36px;color:var(--mute);font-size:13px}
`;

/** A horizontal bar chart (inline SVG) of the rise in second-half loss when each head is knocked out. */
function knockoutChart(s, esc) {
  const rows = s.knockouts.map((k) => ({ name: `block ${k.block} · head ${k.head}`, d: k.second - s.halves.second }));
  const max = Math.max(0.05, ...rows.map((r) => r.d));
  const W = 520, bar = 20, gap = 6, left = 120, right = 70;
  const H = rows.length * (bar + gap) + 24;
  const x = (v) => left + (Math.max(0, v) / max) * (W - left - right);
  const items = rows.map((r, i) => {
    const y = 18 + i * (bar + gap);
    const top = s.topKnockout.block === s.knockouts[i].block && s.topKnockout.head === s.knockouts[i].head;
    return `<text x="${left - 8}" y="${y + 14}" text-anchor="end">${esc(r.name)}</text>` +
      `<rect x="${left}" y="${y}" width="${(x(r.d) - left).toFixed(1)}" height="${bar}" fill="${top ? '#c2410c' : '#7aa7d6'}"/>` +
      `<text x="${(x(r.d) + 6).toFixed(1)}" y="${y + 14}">${r.d >= 0 ? '+' : '−'}${Math.abs(r.d).toFixed(3)}</text>`;
  });
  return `<svg width="${W}" height="${H}" font-family="system-ui,sans-serif" font-size="12" role="img" aria-label="Rise in second-half loss per knocked-out head">` +
    `<text x="${left}" y="11" fill="#59636e">rise in second-half loss (nats) · orange: the top induction head</text><line x1="${left}" y1="14" x2="${left}" y2="${H}" stroke="#8c959f"/>${items.join('')}</svg>`;
}

/** The self-contained page: prose, tables, an SVG chart and viewer outputs. @example await writeFileAtomic('out/demo.html', renderPage(study)) */
export function renderPage(s) {
  const esc = escapeHtml;
  const c = s.config;
  const L = s.length;
  const [best, second] = s.inductionRanking;
  const prev = s.previousRanking[0];
  const rise = s.topKnockout.second - s.halves.second;
  const stat = (value, label) => `<div class="stat"><b>${value}</b><span>${label}</span></div>`;
  const patterns = s.views.patterns.map(({ head, kind, score, view: v }) => `<div class="card pattern"><div>${v.html()}</div><div class="about">` +
    `<h3>block ${head.block} · head ${head.head}</h3><p><b>${kind} head</b>, score ${score.toFixed(2)}.</p><p>${kind === 'induction'
      ? `In the repeat, each row lights up a stripe ${L - 1} columns back: the token <i>after</i> the previous occurrence of the current token — the one to copy.`
      : 'Each row attends to the token just before it. This writes “what preceded me” into every position: the key that induction heads match the current token against.'}</p></div></div>`);
  const worst = s.knockouts.reduce((a, b) => (b.second > a.second ? b : a));
  const knockRows = s.knockouts.map((k) => {
    const hl = k.block === s.topKnockout.block && k.head === s.topKnockout.head ? ' class="hl"' : '';
    return `<tr${hl}><td>block ${k.block} · head ${k.head}</td><td>${f3(k.first)}</td><td>${f3(k.second)}</td><td>${k.second >= s.halves.second ? '+' : '−'}${f3(Math.abs(k.second - s.halves.second))}</td></tr>`;
  });
  const lensRows = s.lens.map((l) => `<tr><td>${esc(l.layer)}</td><td>${f3(l.first)}</td><td>${f3(l.second)}</td></tr>`);
  const body = `
<main>
<h1>Induction heads in a tiny Gemma</h1>
<p class="mute">A ${c.numLayers}-layer Gemma 3-architecture model (${c.numHeads} heads × ${c.headDim} per layer, embedding ${c.embedDim}, vocabulary ${c.vocabSize})
trained on random sequences repeated twice, studied with Penjing named axes, layer trees and side outputs.
${s.batch} held-out sequences <code>&lt;bos&gt; x₁ … x${sub(L)} x₁ … x${sub(L)}</code> of random syllables.</p>
<div class="stats">
${stat(f3(s.halves.first), `loss on the first half (nats)<br>random tokens: ln ${c.vocabSize - 4} = ${Math.log(c.vocabSize - 4).toFixed(2)}`)}
${stat(f3(s.halves.second), 'loss on the repeat<br>copied in context')}
${stat(`${f3(s.topKnockout.second)}`, `repeat loss with head ${headName(s.topKnockout)} knocked out<br>(+${f3(rise)}; both top heads: ${f3(s.pairKnockout.second)})`)}
</div>

<h2>1 · Loss per token</h2>
<p>The model cannot predict the first half — the tokens are random, and where a syllable repeats by chance it even expects a copy
that does not come (the bright cells) — but once the sequence starts repeating it copies:
the loss drops to almost zero from the second token of the repeat on. (The first token of the repeat is only partly predictable: nothing marks where the repeat starts.)
Below, one held-out sequence; each cell is the loss of predicting that token.</p>
${s.views.losses.html()}

<h2>2 · Which heads copy?</h2>
<p>Every attention pattern is captured in one forward pass: a <code>Tell</code> layer is inserted after each attention softmax with a selector, and
<code>CollectSideOutputs</code> returns what they saw, stacked on a <code>blocks</code> axis. The <b>induction score</b> of a head is its mean attention from
each repeated token to the token after that token's first occurrence (a diagonal gather, <code>kv_seq = seq − ${L - 1}</code>); the
<b>previous-token score</b> is its attention to the token just before (<code>kv_seq = seq − 1</code>).</p>
<div class="grid"><div class="card"><h3>induction score</h3>${s.views.induction.html()}</div><div class="card"><h3>previous-token score</h3>${s.views.previous.html()}</div>
<div class="card"><table><tr><th>head (block · head)</th><th>induction</th><th>previous token</th></tr>
${s.inductionRanking.map((h) => `<tr><td>block ${h.block} · head ${h.head}</td><td>${h.score.toFixed(3)}</td><td>${s.previousRanking.find((p) => p.block === h.block && p.head === h.head).score.toFixed(3)}</td></tr>`).join('')}
</table></div></div>

<h2>3 · Attention patterns</h2>
<p>Queries down, keys across, on the first held-out sequence (greyed cells are masked: the future). Hover a cell for its weight.
The two-step circuit shows up as expected: a previous-token head in block ${prev.block} and induction heads in block ${best.block}.</p>
<div class="grid">${patterns.join('')}</div>

<h2>4 · Knocking heads out</h2>
<p>A knocked-out head attends only to <code>&lt;bos&gt;</code> (<code>KnockOutAttentionHeads</code> after its softmax). Knocking out the best induction head,
block ${best.block} · head ${best.head}, raises the loss on the repeat from ${f3(s.halves.second)} to ${f3(s.topKnockout.second)};
knocking out it and block ${second.block} · head ${second.head} together gives ${f3(s.pairKnockout.second)}. The first half gets no worse (slightly better: the head also fires on chance repeats inside the first half, and mispredicts there).
The induction heads share the work, so no single one is indispensable; the largest single effect comes from block ${worst.block} · head ${worst.head}
(repeat loss ${f3(worst.second)})${worst.block < best.block ? ', a block-0 head: without the previous-token information the induction heads have nothing to match on' : ''}.</p>
<div class="grid"><div class="card">${knockoutChart(s, esc)}</div>
<div class="card"><table><tr><th>knocked out</th><th>first half</th><th>repeat</th><th>Δ repeat</th></tr>
<tr><td>nothing</td><td>${f3(s.halves.first)}</td><td>${f3(s.halves.second)}</td><td></td></tr>${knockRows.join('')}</table></div></div>

<h2>5 · Activation patching</h2>
<p>Clean prompts are repeated sequences; corrupted prompts keep the same second half after a different first half, so copying fails
(repeat loss ${f3(s.patching.corrupted)} instead of ${f3(s.patching.clean)}). Both run in one batched pass along a <code>worlds</code> axis, plus one world per head in which
<code>RewireComputationPaths</code> takes that head's output from the clean world. Recovery 1 means the head alone restores the clean loss.</p>
<div class="grid"><div class="card">${s.views.patching.html()}</div>
<div class="card"><table><tr><th>patched head</th><th>recovery</th></tr>
${s.patching.ranking.map((h) => `<tr><td>block ${h.block} · head ${h.head}</td><td>${(100 * h.score).toFixed(0)}%</td></tr>`).join('')}</table></div></div>

<h2>6 · Logit lens</h2>
<p>The residual stream after the embedding and after each block, decoded with the model's own final norm and tied unembedding:
the repeat becomes predictable only after block ${c.numLayers - 1}, where the induction heads sit.</p>
<table><tr><th>residual stream after</th><th>first half</th><th>repeat</th></tr>${lensRows.join('')}</table>

<h2>7 · The model</h2>
<p>The layer tree as Penjing holds it (click to fold and unfold; the copy buttons give selector paths).</p>
${s.views.model.html()}
<footer>Reproduce with <code>npm run demo</code> (checkpoint <code>examples/tiny-gemma</code>, seed ${s.seed}); the notebook
<code>examples/03_induction_heads.ipynb</code> walks through the same steps. This page is self-contained: it loads nothing from the network.</footer>
</main>`;
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>Induction heads in a tiny Gemma · Penjing</title><style>${CSS}</style></head><body>${body}</body></html>\n`;
}

const SUBSCRIPTS = '₀₁₂₃₄₅₆₇₈₉';
function sub(n) {
  return String(n).split('').map((d) => SUBSCRIPTS[Number(d)]).join('');
}

async function main() {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: join(ROOT, 'out', 'demo.html') }, checkpoint: { type: 'string', default: DEFAULT_CHECKPOINT } },
  });
  const study = await runStudy({ checkpoint: values.checkpoint });
  console.log(formatTable(study).join('\n'));
  await writeFileAtomic(values.out, renderPage(study));
  console.log(`\nwrote ${values.out} (open it in a browser) · study took ${study.seconds.toFixed(1)} s on ${study.backend}`);
  console.log('the same in a browser, live: npm run lab (type text, click a head to knock it out)');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
