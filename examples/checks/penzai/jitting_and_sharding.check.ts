// Assertions on examples/penzai/jitting_and_sharding.ipynb: the stateful counter counts, its
// variables unbind, rebind and run as a pure function (state passed in is unchanged), and the
// jitted tiny Gemma gives the eager logits (also on a 4 × 64 batch, with a speed figure) and
// jit generation the eager greedy tokens; sharding is out of scope.
import { cell, ensure, expectAllRan, expectViewer, type NotebookSummary } from '../lib.ts';

export default function check(s: NotebookSummary): void {
  expectAllRan(s);
  const has = (marker: string, ...texts: string[]) => {
    const out = cell(s, marker).stdout;
    for (const t of texts) ensure(out.includes(t), `${marker}: expected ${JSON.stringify(t)} in:\n${out}`);
  };
  has('// check: setup', 'sharding is out of scope');
  has('// check: counter', 'counter after two calls: 1 2');
  expectViewer(cell(s, '// check: counter'), 'Sequential(');
  has('// check: unbind', 'parameters: linear.weights · state: {"counter":2}', 'frozen counter: counter=2');
  // The pure calls continue from the unbound value 2 and never change the state passed in.
  has('// check: rebinding', 'rebinding call -> counter 3 · new state {"counter":3} · old state {"counter":2}', 'statelessCall -> counter 4 · new state {"counter":4}');
  has('// check: functional-init', 'same weights from the same seed: true');
  // The original model counted to 3 in the previous cell; eager calls continue at 4 and 5.
  has('// check: jit-pending', 'counter: 4 5', 'equal eager within 1e-5: true');
  // Under Deno the native addon loads, so jit runs on onnxruntime-node; speeds vary, only their form is checked.
  has('// check: jit-speed', '4 × 64 tokens on onnxruntime-node: compiled equals eager within 1e-5: true', 'generate with jit gives the eager tokens: true');
  const speed = cell(s, '// check: jit-speed').stdout;
  ensure(/forward pass: eager \d+\.\d ms, compiled \d+\.\d ms \(\d+\.\d× the speed\)/.test(speed), `jit-speed: no forward-pass figure in:\n${speed}`);
  ensure(/16 new tokens: eager \d+ ms, compiled \d+ ms \(\d+\.\d× the speed\)/.test(speed), `jit-speed: no generation figure in:\n${speed}`);
}
