import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';
import { Layer, Parameter, select, staticField } from '@penjing/layers';
import { VIEW, registerRenderer, renderText, view, type ViewRepr } from '@penjing/viewer';
import { buildModel } from '../src/build.js';
import { mlp } from './fixtures.js';

beforeAll(async () => {
  await nx.ready();
});

class Temperature {
  constructor(readonly celsius: number) {}
  [VIEW](): ViewRepr {
    return { node: 'Temperature', fields: { celsius: this.celsius } };
  }
}

const unregister: (() => void)[] = [];
const lines = (...ls: string[]) => ls.join('\n');
afterEach(() => unregister.splice(0).forEach((off) => off()));

describe('the view hook', () => {
  it('draws a user type as a node with its fields', () => {
    expect(renderText({ outside: new Temperature(21.5) }, { expand: 'all' })).toBe(lines('{', '  outside: Temperature(', '    celsius=21.5,', '  ),', '}'));
  });

  it('draws one line of text, or another value in its place', () => {
    const money = { amount: 3, [VIEW]: () => ({ text: '3 €' }) };
    const probs = nx.fromArray([0.25, 0.75], ['vocabulary']);
    const wrapped = { [VIEW]: () => ({ value: probs }) };
    expect(renderText([money])).toBe(lines('[', '  3 €,', ']'));
    expect(renderText(wrapped)).toMatch(/^<NamedArray float32\[vocabulary:2\]/);
    probs.dispose();
  });

  it('lets user layers draw themselves, keeping the node paths', () => {
    class Gate extends Layer.define('Gate', { threshold: staticField<number>() })<nx.NamedArray, nx.NamedArray> {
      protected override forward(x: nx.NamedArray) { return x.greater(this.threshold).astype('float32').mul(x); }
      [VIEW](): ViewRepr {
        return { node: `Gate>${this.threshold}`, fields: {}, color: '#c33' };
      }
    }
    const tree = { gate: new Gate({ threshold: 0.5 }) };
    expect(renderText(tree)).toBe(lines('{', '  gate: Gate>0.5(),', '}'));
    const root = buildModel(tree).root;
    const gate = root.t === 'record' ? root.c[0] : undefined;
    expect(gate && gate.t === 'struct' ? [gate.p, gate.col] : undefined).toEqual(['["gate"]', ['#c33', '#c33']]);
  });

  it('rejects colours that could carry other CSS, and reports a failing hook in place', () => {
    const sneaky = { [VIEW]: () => ({ node: 'X', fields: {}, color: 'red; background: url(evil)' }) };
    const root = buildModel(sneaky).root;
    expect(root.t === 'struct' ? root.col : 'not a struct').toBeUndefined();
    const broken = { [VIEW]: () => { throw new Error('no data yet'); } };
    expect(renderText([broken])).toBe(lines('[', '  <Object: its view failed: no data yet>,', ']'));
    const selfish: { [VIEW]: () => ViewRepr } = { [VIEW]: () => ({ value: { [VIEW]: selfish[VIEW] } }) };
    expect(renderText(selfish)).toMatch(/view hooks in a row/);
  });

  it('draws a selection through its hook, boxed, with the caption', () => {
    const m = mlp();
    const text = renderText(select(m).atInstancesOf(Parameter));
    expect(text.split('\n')[0]).toBe('// Selection of 4 nodes');
    expect(text).toContain('// selected');
    expect(view(select(m).atInstancesOf(Parameter)).text).toBe(text);
  });
});

describe('the renderer registry', () => {
  it('draws instances of a registered class until unregistered', () => {
    unregister.push(registerRenderer(Date, (d) => ({ text: `Date(${d.toISOString().slice(0, 10)})` })));
    const when = new Date(Date.UTC(2026, 11, 3));
    expect(renderText({ when })).toBe(lines('{', '  when: Date(2026-12-03),', '}'));
    unregister.splice(0).forEach((off) => off());
    expect(renderText({ when })).toBe(lines('{', '  when: <Date>,', '}'));
  });

  it('takes predicates, and the latest registration wins', () => {
    const isPoint = (x: unknown): x is { x: number; y: number } => typeof x === 'object' && x !== null && 'x' in x && 'y' in x && Object.keys(x).length === 2;
    unregister.push(registerRenderer(isPoint, (p) => ({ node: 'Point', fields: { x: p.x, y: p.y } })));
    expect(renderText([{ x: 1, y: 2 }], { expand: 'all' })).toContain('Point(');
    unregister.push(registerRenderer(isPoint, (p) => ({ text: `(${p.x}, ${p.y})` })));
    expect(renderText([{ x: 1, y: 2 }])).toBe(lines('[', '  (1, 2),', ']'));
  });

  it('gives the hook precedence over the registry', () => {
    unregister.push(registerRenderer(Temperature, () => ({ text: 'from the registry' })));
    expect(renderText([new Temperature(3)])).toContain('Temperature(');
  });
});
