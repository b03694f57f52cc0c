// Assertions on examples/penzai/lora_from_scratch.ipynb (Penzai's LoRA from scratch): counts
// of the hand-built adapters, XOR learned, LoRA on the tiny transformer's attention
// projections (not its qk-norm scales) learning the mystery function, and sampling from
// right-padded prompts giving each row its own answer.
import { cell, ensure, expectAllRan, expectViewer, inRange, number, type NotebookSummary } from '../lib.ts';

export default function check(s: NotebookSummary): void {
  expectAllRan(s);
  const has = (marker: string, ...texts: string[]) => {
    const out = cell(s, marker).stdout;
    for (const t of texts) ensure(out.includes(t), `${marker}: expected ${JSON.stringify(t)} in:\n${out}`);
  };
  // MLP [8, 32, 32, 8] inlined: 3 × (Linear, RenameAxes, AddBias) + 2 activations = 11.
  has('// check: mlp', 'output: {"features":8}', 'inlined: 11 layers', 'Showing an intermediate value: NamedArray(float32, {features: 32})');
  has('// check: freeze', 'parameters: 6', 'parameters after freezeParams: 0', 'array leaves: 6');
  // Three Linears adapted, each with two factors.
  has('// check: adapter', 'first linear: {"features":2} -> {"features_out":32}', 'adapters: 3 · trainable parameters: 6');
  has('// check: xor', 'predicted classes: [1,0,0,1]');
  // 2 blocks × (q, k, v, o projections + q-norm and k-norm scales) = 12 Linears; 8 are projections.
  has('// check: gemma', 'Linears in attention: 12 · projections adapted: 8');
  expectViewer(cell(s, '// check: gemma'), '// Selection of 8 nodes');
  const ft = cell(s, '// check: finetune').stdout;
  ensure(number(ft, 'step 119 loss') < number(ft, 'step 0 loss') / 2, `fine-tuning halves the loss: ${ft}`);
  ensure(ft.includes('trained parameters: 16'), ft);
  inRange(number(cell(s, '// check: validate').stdout, 'mean p(answer) on held-out examples:'), 0.5, 1, 'p(answer) after fine-tuning (chance: 1/12)');
  const sample = cell(s, '// check: sample').stdout.trim().split('\n');
  ensure(sample.length === 3 && sample.every((l) => /→ (\S+) · mystery says \1$/.test(l)), `each right-padded prompt row gets the mystery's answer:\n${sample.join('\n')}`);
}
