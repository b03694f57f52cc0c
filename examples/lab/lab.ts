// The circuit lab: type text, see each token's loss and every head's attention pattern; click a
// head to knock it out and watch the losses and next-token predictions change. Uses only the
// public packages; `npm run lab` bundles this file with esbuild and serves it.
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { disposeTree, type Layer } from '@penjing/layers';
import { loadPretrainedModel, tokenizerFromFile, type TransformerMetadata } from '@penjing/transformer';
import '@penjing/gemma'; // registers the Gemma family with loadPretrainedModel
import { captureAttention, knockOutHeads, tokenLossesFromLogits, type HeadRef } from '@penjing/interp';
import { mount } from '@penjing/viewer';

type Model = Layer<nx.NamedArray, nx.NamedArray> & { readonly metadata: TransformerMetadata };
interface Tok { encode(text: string): number[]; label(id: number): string }

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let model: Model | undefined;
let tok: Tok | undefined;
let knocked: HeadRef[] = [];
let runs = 0;

/** The tiny model's syllable vocabulary (tokens.json): "bakomi" → ba ko mi. */
function syllableTokenizer(vocab: string[]): Tok {
  return {
    encode: (text) => [2, ...(text.toLowerCase().match(/[a-z]{2}/g) ?? []).map((s) => Math.max(3, vocab.indexOf(s)))],
    label: (id) => vocab[id] ?? String(id),
  };
}

async function tokenizerFor(source: string | File[]): Promise<Tok> {
  const files = Array.isArray(source) ? source : undefined;
  const vocabFile = files?.find((f) => f.name === 'tokens.json');
  if (vocabFile) return syllableTokenizer(JSON.parse(await vocabFile.text()));
  if (typeof source === 'string') {
    const res = await fetch(new URL('tokens.json', new URL(source, location.href)));
    if (res.ok) return syllableTokenizer(await res.json());
  }
  const t = await tokenizerFromFile(source);
  return { encode: (text) => t.encode(text, { addBos: true }), label: (id) => t.decode([id]) };
}

async function load(source: string | File[], name: string): Promise<void> {
  $('status').textContent = `loading ${name}…`;
  const next = (await loadPretrainedModel(source, { progress: (p) => ($('status').textContent = `loading ${name}: ${Math.round((100 * p.bytesDone) / Math.max(1, p.bytesTotal))}%`) })) as Model;
  tok = await tokenizerFor(source);
  if (model) disposeTree(model);
  model = next;
  knocked = [];
  $('status').textContent = `${name} loaded`;
  update();
}

/** Runs the (patched) model on the prompt and redraws losses, predictions, heads and tree. */
function update(): void {
  if (!model || !tok) return;
  const ids = tok.encode(($('prompt') as HTMLTextAreaElement).value);
  if (ids.length < 2) return;
  const current = knocked.length ? knockOutHeads(model, knocked) : model;
  const tokens = nx.wrap(tf.tensor2d(ids, [1, ids.length], 'int32')).tag('batch', 'seq');
  const { logits, patterns } = captureAttention(current, tokens);
  const losses = tokenLossesFromLogits(logits, tokens);
  const lossValues = Array.from(losses.unwrap('batch', 'seq').dataSync());
  const headAxes = Object.keys({ ...model.metadata.commonHeadAxes, ...model.metadata.queryOnlyHeadAxes });
  const p = patterns.unwrap('blocks', ...headAxes, 'batch', 'seq', 'kv_seq');
  const [blocks] = p.shape;
  const heads = p.size / (blocks! * ids.length * ids.length);
  const pat = p.dataSync();
  const last = tf.tidy(() => tf.softmax(logits.unwrap('batch', 'seq', 'vocabulary').slice([0, ids.length - 1, 0], [1, 1, -1]).reshape([-1])));
  const probs = last.dataSync();
  tf.dispose([last, p]);
  tokens.dispose(); logits.dispose(); patterns.dispose(); losses.dispose();
  const mean = lossValues.reduce((a, b) => a + b, 0) / lossValues.length;
  const labels = ids.map((i) => tok!.label(i));

  $('loss').textContent = mean.toFixed(4);
  $('loss').dataset.value = String(mean);
  $('losses').innerHTML = labels.slice(1).map((l, i) =>
    `<span class="tok" style="background:rgba(220,60,40,${Math.min(1, lossValues[i]! / 5)})" title="loss ${lossValues[i]!.toFixed(3)}">${esc(l)}<small>${lossValues[i]!.toFixed(2)}</small></span>`).join('');
  const top = [...probs.keys()].sort((a, b) => probs[b]! - probs[a]!).slice(0, 5);
  $('top').innerHTML = top.map((i) => `<li>${esc(tok!.label(i))} <small>${(100 * probs[i]!).toFixed(1)}%</small></li>`).join('');
  drawHeads(pat, blocks!, heads, labels);
  mount($('tree'), current, { expand: 2 });
  if (current !== model) disposeTree(current, { except: [model] });
  $('lab').dataset.runs = String(++runs);
}

function drawHeads(pat: ArrayLike<number>, blocks: number, heads: number, labels: string[]): void {
  const T = labels.length;
  const cell = Math.max(4, Math.min(14, Math.floor(220 / T)));
  const margin = 26;
  const grid = $('heads');
  grid.innerHTML = '';
  for (let b = 0; b < blocks; b++) {
    for (let h = 0; h < heads; h++) {
      const off = knocked.some((k) => k.block === b && k.head === h);
      const c = document.createElement('canvas');
      c.className = `head${off ? ' off' : ''}`;
      c.dataset.block = String(b);
      c.dataset.head = String(h);
      c.title = `block ${b} head ${h}${off ? ' (knocked out)' : ''}: click to ${off ? 'restore' : 'knock out'}`;
      c.width = c.height = margin + T * cell;
      const g = c.getContext('2d')!;
      g.font = `${Math.min(10, cell)}px sans-serif`;
      g.fillStyle = '#333';
      g.fillText(`${b}.${h}${off ? ' ✕' : ''}`, 2, 10);
      for (let q = 0; q < T; q++) {
        g.fillStyle = '#555';
        if (cell >= 8) g.fillText(labels[q]!, 2, margin + q * cell + cell - 2);
        for (let k = 0; k < T; k++) {
          const w = pat[((b * heads + h) * T + q) * T + k]!;
          g.fillStyle = `rgba(30,80,200,${w})`;
          g.fillRect(margin + k * cell, margin + q * cell, cell, cell);
        }
      }
      c.addEventListener('click', () => {
        knocked = off ? knocked.filter((k) => !(k.block === b && k.head === h)) : [...knocked, { block: b, head: h }];
        update();
      });
      const box = document.createElement('figure');
      box.append(c);
      grid.append(box);
    }
  }
}

const esc = (s: string) => s.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);

async function main(): Promise<void> {
  await nx.ready();
  let timer: ReturnType<typeof setTimeout> | undefined;
  $('prompt').addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(update, 150);
  });
  $('pick').addEventListener('change', (e) => {
    const files = Array.from((e.target as HTMLInputElement).files ?? []);
    if (files.length) load(files, files[0]!.webkitRelativePath.split('/')[0] || 'checkpoint').catch(fail);
  });
  $('reset').addEventListener('click', () => { knocked = []; update(); });
  await load(new URL('tiny-gemma/', location.href).href, 'tiny induction model');
}

function fail(e: unknown): void {
  $('status').textContent = `error: ${(e as Error).message}`;
  console.error(e);
}

main().catch(fail);
