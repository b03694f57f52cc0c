// Attribution patching vs the activation-patching sweep it approximates, on the trained tiny
// induction model (examples/tiny-gemma): clean = <bos> A A, corrupted = <bos> B A (4 sequences,
// L = 16), metric = second-half loss. Sites: every block's hook_z. Prints the rank agreement
// (Spearman) of attribution with real patching for heads and for heads × positions, and the
// time of each (attribution: 2 forward + 1 forward/backward pass whatever the units; the sweep:
// one patched run per unit, 32 runs per batched pass). Asserts nothing.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

function spearman(a, b) {
  const rank = (v) => {
    const order = v.map((x, i) => [x, i]).sort((p, q) => p[0] - q[0]);
    const r = new Array(v.length);
    for (let i = 0; i < order.length; ) {
      let j = i;
      while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
      for (let k = i; k <= j; k++) r[order[k][1]] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const [ra, rb] = [rank(a), rank(b)];
  const mean = (r) => r.reduce((s, x) => s + x, 0) / r.length;
  const [ma, mb] = [mean(ra), mean(rb)];
  let num = 0, da = 0, db = 0;
  for (let i = 0; i < ra.length; i++) (num += (ra[i] - ma) * (rb[i] - mb)), (da += (ra[i] - ma) ** 2), (db += (rb[i] - mb) ** 2);
  return num / Math.sqrt(da * db);
}

export default async function run() {
  const tf = await import('@tensorflow/tfjs');
  const nx = await import('@penjing/named-array');
  const { GemmaTransformer } = await import('@penjing/gemma');
  const { attributionPatching, lossMetric, patchingSweep, seededRandom } = await import('@penjing/interp');
  await nx.ready();
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const model = await GemmaTransformer.fromPretrained(join(root, 'examples/tiny-gemma'), { quiet: true });
  const L = 16;
  const rand = seededRandom(3);
  const pick = () => Array.from({ length: L }, () => 4 + Math.floor(rand() * 60));
  const rows = Array.from({ length: 4 }, () => [pick(), pick()]);
  const clean = nx.fromArray(rows.map(([a]) => [2, ...a, ...a]), ['batch', 'seq'], 'int32');
  const corrupted = nx.fromArray(rows.map(([a, b]) => [2, ...b, ...a]), ['batch', 'seq'], 'int32');
  const metric = lossMetric(Array.from({ length: L }, (_, i) => L + i));
  const sites = ['blocks.0.attn.hook_z', 'blocks.1.attn.hook_z'];
  const timed = (fn) => {
    const t0 = performance.now();
    const r = fn();
    return [r, performance.now() - t0];
  };
  // Warm-up (kernel set-up) so neither side pays first-call costs.
  tf.dispose(attributionPatching(model, clean, corrupted, { sites, keep: ['heads'], metric }).data);
  for (const over of [['heads'], ['heads', 'seq']]) {
    const [sweep, sweepMs] = timed(() => patchingSweep(model, clean, corrupted, { sites, over, metric, worldsPerPass: 32 }));
    const [attr, attrMs] = timed(() => attributionPatching(model, clean, corrupted, { sites, keep: over, metric }));
    const actual = [...sweep.values.data.dataSync()].map((v) => v - sweep.corrupted);
    const rho = spearman([...attr.data.dataSync()], actual);
    console.log(
      `attribution vs patching over ${over.join(' × ')} (${actual.length} units): Spearman ${rho.toFixed(3)} · ` +
        `sweep ${sweepMs.toFixed(0)} ms · attribution ${attrMs.toFixed(0)} ms · ${(sweepMs / attrMs).toFixed(1)}× faster`,
    );
    tf.dispose([sweep.values.data, attr.data]);
  }
}
