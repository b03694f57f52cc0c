// Penzai/treescope parity for notebook display: arrays render as cell values, integer digit
// boxes, token-score strips, and colour defaults for probabilities and log-probabilities.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { Identity, Sequential } from '@penjing/layers';
import { JUPYTER_DISPLAY, basicInteractiveSetup, renderTokenScores } from '@penjing/viewer';
import { heatSpec } from '../src/heat.js';
import { summarize } from '../src/stats.js';
import { valueColor } from '../src/shared/colormap.js';

beforeAll(async () => {
  await nx.ready();
});

const spec = (x: nx.NamedArray) => heatSpec(x.data, x.axes, summarize(x.data, x.axes));

describe('colour defaults', () => {
  it('probabilities (values in [0, 1]) get a sequential map over exactly 0..1', () => {
    const p = nx.fromArray([[0.1, 0.9], [0.5, 0.5]], ['seq', 'kv_seq']);
    expect(spec(p)).toMatchObject({ cmap: 'sequential', vmin: 0, vmax: 1 });
    p.dispose();
  });
  it('log-probabilities (all ≤ 0) get a sequential map ending at 0', () => {
    const lp = nx.fromArray([-0.1, -2, -3, -0.5], ['vocabulary']);
    const s = spec(lp);
    expect(s.cmap).toBe('sequential');
    expect(s.vmax).toBe(0);
    expect(s.vmin).toBeCloseTo(-3, 5); // no clipping: -3 is within mean − 3σ
    lp.dispose();
  });
  it('signed values keep the diverging map; explicit options win', () => {
    const x = nx.fromArray([-1, 2], ['a']);
    expect(spec(x).cmap).toBe('diverging');
    const p = nx.fromArray([0.2, 0.4], ['a']);
    expect(heatSpec(p.data, p.axes, summarize(p.data, p.axes), { aroundZero: true }).cmap).toBe('diverging');
    expect(heatSpec(p.data, p.axes, summarize(p.data, p.axes), { vmax: 0.5 })).toMatchObject({ vmin: 0, vmax: 0.5 });
    [x, p].forEach((a) => a.dispose());
  });
});

describe('integer digit boxes', () => {
  it('int arrays of single digits are marked for digit drawing; others are not', () => {
    const d = nx.fromArray([[0, 3], [9, 1]], ['a', 'b'], 'int32');
    const big = nx.fromArray([0, 10], ['a'], 'int32');
    expect(spec(d).digits).toBe(1);
    expect(spec(big).digits).toBeUndefined();
    [d, big].forEach((a) => a.dispose());
  });
});

describe('cell values render without view()', () => {
  it('a NamedArray\'s Jupyter display is its heatmap html once the viewer is imported', () => {
    const x = nx.fromArray([[0.1, 0.9]], ['seq', 'kv_seq']);
    const before = tf.memory().numTensors;
    const bundle = (x as unknown as Record<symbol, () => Record<string, string>>)[JUPYTER_DISPLAY]!();
    expect(tf.memory().numTensors).toBe(before);
    expect(bundle['text/html']).toContain('<pj-view');
    expect(bundle['text/plain']).toContain('seq');
    x.dispose();
  });
  it('basicInteractiveSetup makes structs display as trees', () => {
    const s = new Sequential({ sublayers: [new Identity()] }) as unknown as Record<symbol, (() => Record<string, string>) | undefined>;
    basicInteractiveSetup();
    basicInteractiveSetup();
    const bundle = s[JUPYTER_DISPLAY]!();
    expect(bundle['text/plain']).toContain('Sequential');
    expect(bundle['text/html']).toContain('<pj-view');
  });
});

describe('token-score strips', () => {
  it('shades each token by its score with the map the scores call for', () => {
    const out = renderTokenScores(['<bos>', 'a', '<b>'], [0, 0.5, 1]);
    const html = out.html();
    const [r, g, b] = valueColor(1, 0, 1, 'sequential');
    expect(html).toContain(`background:rgb(${r},${g},${b})`);
    expect(html).toContain('&lt;b&gt;');
    expect((out as unknown as Record<symbol, () => Record<string, string>>)[JUPYTER_DISPLAY]!()['text/plain']).toBe('"<bos>":0.000 "a":0.5000 "<b>":1.000');
    const signed = renderTokenScores(['x', 'y'], nx.fromArray([-2, 1], ['seq']));
    const [r2, g2, b2] = valueColor(-2, -2, 2, 'diverging');
    expect(signed.html()).toContain(`background:rgb(${r2},${g2},${b2})`);
  });
  it('misuse: count mismatch, a 2-D score array', () => {
    expect(() => renderTokenScores(['a'], [1, 2])).toThrow(/1 tokens but 2 scores/);
    const two = nx.zeros({ a: 1, b: 1 });
    expect(() => renderTokenScores(['a'], two)).toThrow(/exactly one axis/);
    two.dispose();
  });
});
