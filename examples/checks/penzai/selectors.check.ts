// Assertions on examples/penzai/selectors.ipynb (Penzai's selectors tutorial), with the
// values each step must print worked out by hand from the notebook's small objects.
import { cell, ensure, expectAllRan, expectViewer, type NotebookSummary } from '../lib.ts';

export default function check(s: NotebookSummary): void {
  expectAllRan(s);
  const has = (marker: string, ...texts: string[]) => {
    const out = cell(s, marker).stdout;
    for (const t of texts) ensure(out.includes(t), `${marker}: expected ${JSON.stringify(t)} in:\n${out}`);
  };
  has('// check: at-set', 'sum after set: 42 original sum: 0');
  has('// check: nested', 'c[0].value[0] = 100');
  expectViewer(cell(s, '// check: show-selection'), '// Selection of 2 nodes');
  has('// check: struct-select', 'struct.select() count: 1');
  has('// check: instances', 'numbers: [1,3]', 'arrays of size <= 10: ["b"] ["c"][1]["value"]', 'equal to 1: ["a"]');
  // [1, 2, [], 3, null, 4]: six childless nodes (four numbers, the empty list, null).
  has('// check: keypaths', 'children: 3', 'childless in [1, 2, [], 3, null, 4]: 6', 'even ints: [0,2,4,6,8,10,12,14,16,18]', 'pickNth(2): [3]', 'inverted: [1,"a",2,"b","c",4,"d"]');
  has('// check: refine', 'refined: [1,4,5,8]');
  has('// check: needle', 'needle at: [5][5][1]', '0 true 2', 'assertCountIs(2).apply(+1): [2,3]');
  has('// check: read', 'getSequence sizes: 10,7', 'combined b[0]: 100 c[0].value[0]: 0');
  has('// check: write', '"b":"A","c":[{"value":"B"},{"value":"C"}');
  // loss = a + Σ b² + Σ c0 = 1 + (0²+…+9²) + (0+…+11) = 1 + 285 + 66; d/db = 2b, d/dc0 = 1, unused c1: zeros.
  has('// check: grads', 'loss: 352', '["b"] [0,2,4,6,8,10,12,14,16,18]', '["c"][0]["value"] [1,1,1,1,1,1,1,1,1,1,1,1]', '["c"][1]["value"] [0,0,0,0,0,0,0]', 'selectAndSetByPath a: 5 original a: 1');
  has('// check: apply', 'keepSelected: [10,12,7]', 'index=2, size=7');
  has('// check: lists', 'removed: {"a":[1,2,3,5,6,7,9],"b":[10,11,13,14,15,17,18,19]}');
  const mlp = cell(s, '// check: mlp');
  ensure(mlp.stdout.split('\n').filter((l) => l.startsWith('.sublayers')).length === 6, `MLP [8, 32, 32, 8]: three Affine layers, six parameters:\n${mlp.stdout}`);
  expectViewer(mlp, 'MLP(');
}
