// Assertions on examples/penzai/induction_heads.ipynb (Penzai's induction heads tutorial, on
// tiny-gemma): the repeat is predictable, patched models compute the same logits, saved
// attention patterns have the expected shapes, the best induction head is in block 1 and
// knocking it out hurts the repeat, and the head-mask gradient matches a finite difference.
import { cell, ensure, expectAllRan, expectArrayViewer, expectViewer, inRange, number, type NotebookSummary } from '../lib.ts';

export default function check(s: NotebookSummary): void {
  expectAllRan(s);
  const has = (marker: string, ...texts: string[]) => {
    const out = cell(s, marker).stdout;
    for (const t of texts) ensure(out.includes(t), `${marker}: expected ${JSON.stringify(t)} in:\n${out}`);
  };
  expectViewer(cell(s, '// check: model'), 'GemmaTransformer(');
  has('// check: tokens', 'tokens: 41');
  const lp = cell(s, '// check: log-probs');
  ensure(number(lp.stdout, 'second half:') > number(lp.stdout, 'mean log p, first half:') + 2, `the repeat is far more predictable: ${lp.stdout}`);
  expectArrayViewer(lp, 'float32', { seq: 40 });
  const strip = cell(s, '// check: token-scores');
  ensure(strip.html.some((h) => h.includes('pj-token-scores')), 'a token-score strip');
  has('// check: select-list', 'my_patched_list: [1,2,"Hello World!",4]', 'softmax in attention block 1: 1');
  has('// check: display-layer', 'inserted: 1', 'Showing an intermediate value: NamedArray(float32, {batch: 1, heads: 4, seq: 41, kv_seq: 41})', 'same logits as the original: true');
  has('// check: save', 'saved: {"batch":1,"heads":4,"seq":41,"kv_seq":41}');
  expectArrayViewer(cell(s, '// check: all-attention'), 'float32', { blocks: 2, heads: 4, seq: 41, kv_seq: 41 });
  const scores = cell(s, '// check: scores').stdout;
  ensure(/^0 block: 1 head: \d score: 0\.[5-9]/m.test(scores), `the top induction score is a block-1 head above 0.5:\n${scores}`);
  const ko = cell(s, '// check: knockout').stdout;
  ensure(number(ko, '· ablated:') < number(ko, 'second-half mean log p, original:') - 0.2, `knocking out the best head hurts the repeat: ${ko}`);
  const g = cell(s, '// check: mask-grads').stdout;
  const grad = number(g, '=');
  inRange(Math.abs(grad - number(g, 'finite difference:')), 0, 2e-3 + 0.05 * Math.abs(grad), 'gradient vs central difference');
}
