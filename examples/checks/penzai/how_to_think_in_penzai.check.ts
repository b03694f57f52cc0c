// Assertions on examples/penzai/how_to_think_in_penzai.ipynb (Penzai's "How to think in
// Penzai"): structure counts worked out from the models the notebook builds, the printed
// tree reading back, state captured during a call, and training that lowers the loss.
import { cell, ensure, expectAllRan, expectViewer, number, type NotebookSummary } from '../lib.ts';

export default function check(s: NotebookSummary): void {
  expectAllRan(s);
  const has = (marker: string, ...texts: string[]) => {
    const out = cell(s, marker).stdout;
    for (const t of texts) ensure(out.includes(t), `${marker}: expected ${JSON.stringify(t)} in:\n${out}`);
  };
  expectViewer(cell(s, '// check: mlp'), 'MLP(');
  has('// check: roundtrip', '// Penjing tree: parseTree(text', 'copied equals unboundMlp: true');
  has('// check: call', 'output: {"features":8}', 'sublayers[2].sublayers[0]: Linear {"features":32} -> {"features_out":32}', 'called alone: {"features_out":32}');
  // [8, 32, 32, 8]: three Affine layers (three biases), two activations, so two HelloWorld prints.
  has('// check: patch', 'AddBias layers: 3', 'after removeFromParent: 0', 'HelloWorld layers: 2');
  ensure((cell(s, '// check: patch').stdout.match(/Hello world! My value: NamedArray\(float32, \{features: 32\}\)/g) ?? []).length === 2, 'two hello-world prints of {features: 32}');
  has('// check: leaves', 'array leaves: 6');
  // One Affine used twice: two labels, four slot places.
  has('// check: shared', 'parameter values: shared_layer/Linear.weights, shared_layer/AddBias.bias', 'slots in the unbound model: 4');
  has('// check: state', 'saved intermediates: 2 {"features":32} {"features":32}');
  has('// check: unbind-state', 'state labels: my_intermediate', 'Parameters left after freezeVariables: 0', 'updated state holds 2 arrays');
  has('// check: inline', 'after inlineGroups: Linear RenameAxes AddBias Elementwise Linear RenameAxes AddBias Elementwise Linear RenameAxes AddBias');
  has('// check: softmax', 'rows sum to 1: true', 'layer equals nmap: true');
  // Three SimpleLinear kernels and three SimpleBias biases.
  has('// check: simple-layers', 'slots when seed is null: 6', 'model output: {"features":8}');
  const train = cell(s, '// check: train').stdout;
  const first = number(train, 'At 1: loss');
  const last = number(train, 'At 300: loss');
  ensure(last < first / 10, `training should cut the loss tenfold: ${first} -> ${last}`);
  ensure(train.includes('StaleTreeError: SimpleMLP.call: this tree is stale'), `using the untrained tree after training fails: ${train}`);
}
