// Assertions on examples/06_saes_and_attribution.ipynb: the cache has TransformerLens's names and
// the residual identity holds; the SAE trained in the notebook reconstructs well and is sparse;
// spliced with its error term it leaves the logits as they were; attribution patching ranks the
// heads as real patching does; the induction block writes the answer; steering from the prompt's
// end changes every later token and not the first.
import { cell, ensure, expectAllRan, expectArrayViewer, expectViewer, inRange, number, type NotebookSummary } from './lib.ts';

export default function check(s: NotebookSummary): void {
  expectAllRan(s);

  const cache = cell(s, '// check: cache').stdout;
  ensure(cache.includes('sites: 30 (blocks.0.hook_resid_pre, blocks.0.ln1.hook_normalized'), `cache: ${cache}`);
  ensure(cache.includes('pattern shape: {"batch":8,"heads":4,"seq":33,"kv_seq":33}'), `cache: ${cache}`);
  inRange(number(cache, 'resid_pre + attn_out − resid_mid:'), 0, 1e-5, 'residual identity');

  const sae = cell(s, '// check: sae');
  inRange(number(sae.stdout, 'fraction of variance explained:'), 0.9, 1, 'SAE fraction of variance explained');
  inRange(number(sae.stdout, 'mean L0:'), 1, 64, 'SAE mean L0 (of 256 features)');
  expectViewer(sae, 'SparseAutoencoder(');

  const splice = cell(s, '// check: splice').stdout;
  const base = number(splice, 'second-half loss:');
  inRange(number(splice, 'with error term, max logit change:'), 0, 0, 'logit change with the error term (bit-exact)');
  inRange(number(splice, 'reconstruction only, second-half loss:'), base, base + 2, 'loss on the reconstruction alone');

  const feats = cell(s, '// check: features');
  expectArrayViewer(feats, 'float32', { seq: 33, features: 16 });
  ensure(/strongest features at positions 17-19: \d+/.test(feats.stdout), `features: ${feats.stdout}`);
  ensure(/fires hardest at: \(\d+,\d+\)/.test(feats.stdout), `features: ${feats.stdout}`);

  const attr = cell(s, '// check: attribution');
  inRange(number(attr.stdout, 'Spearman (attribution vs patching):'), 0.9, 1, 'rank agreement of attribution with patching');
  inRange(number(attr.stdout, '· corrupted loss:') - number(attr.stdout, 'clean loss:'), 1, Infinity, 'corrupted minus clean loss');
  expectArrayViewer(attr, 'float32', { layer: 2, heads: 4 });

  const dla = cell(s, '// check: dla').stdout;
  ensure(dla.includes('largest direct contribution: L1_attn'), `the induction block's attention should write the answer: ${dla}`);

  const steering = cell(s, '// check: steering').stdout;
  ensure(steering.includes('steered tokens after the first are all 10: true'), `steering: ${steering}`);
}
