import { it } from 'vitest';
import * as nx from '@penjing/named-array';
import { GemmaTransformer } from '@penjing/gemma';
import { traceCall } from '../src/trace/capture.js';
import { tinyConfig, tokens } from './helpers.js';
it('dump', async () => {
  await nx.ready();
  const model = GemmaTransformer.fromConfig(tinyConfig('gemma3_270m', { numLayers: 1 }), { seed: 1 });
  const t = tokens([[2, 5, 7, 9]]);
  const tr = traceCall(model, [t, {}], (m, [x, s]) => m.call(x as any, s as any));
  const g = tr.graph;
  const desc = (i: number) => { const v = g.values[i]!; return `v${i}${v.origin.kind === 'op' ? '' : ':' + v.origin.kind}[${v.shape}]`; };
  for (const op of g.ops) console.log(`${op.outputs.map(desc).join(',')} = ${op.kernel}(${op.inputs.map(desc).join(', ')}) ${JSON.stringify(op.attrs)} @${op.path}`);
});
