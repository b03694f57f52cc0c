import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import {
  Layer,
  LazyParameter,
  Parameter,
  ParameterSlot,
  Sequential,
  Struct,
  child,
  formatTree,
  parseTree,
  select,
  staticField,
  structFields,
  TreeParseError,
  UnhandledSideInputError,
  type SideInputs,
} from '@penjing/layers';

beforeAll(async () => {
  await nx.ready();
});

// Declared once: the constructor's type, the field order, the kinds and the name all come from here.
class Scale extends Layer.define('Scale', {
  by: staticField<number>().default(2),
  axes: staticField<readonly string[]>().from((a: string | readonly string[]) => Object.freeze(typeof a === 'string' ? [a] : [...a])),
  offset: child<Parameter | null>().default(null),
})<nx.NamedArray, nx.NamedArray> {
  protected override forward(x: nx.NamedArray): nx.NamedArray {
    const y = x.mul(this.by);
    return this.offset ? y.add(this.offset.value) : y;
  }
}

describe('Struct.define / Layer.define', () => {
  it('applies defaults and conversions and keeps declaration order', () => {
    const s = new Scale({ axes: 'seq' });
    expect(s.by).toBe(2);
    expect(s.axes).toEqual(['seq']);
    expect(Object.isFrozen(s.axes)).toBe(true);
    expect(s.fieldNames()).toEqual(['by', 'axes', 'offset']);
    expect(Scale.fields).toEqual(['by', 'axes', 'offset']);
    expect(Object.isFrozen(s)).toBe(true);
    expect(s.call(nx.fromArray([1, 2], ['seq'])).arraySync('seq')).toEqual([2, 4]);
  });

  it('records each field as child or static', () => {
    expect(structFields(new Scale({ axes: [] }))).toEqual([
      { name: 'by', kind: 'static' },
      { name: 'axes', kind: 'static' },
      { name: 'offset', kind: 'child' },
    ]);
  });

  it('rejects undeclared fields with the list of declared ones', () => {
    expect(() => new Scale({ axes: 'a', bye: 3 } as never)).toThrow(/Scale: unknown field 'bye'; its fields are by, axes, offset/);
    expect(() => new Scale({} as never)).toThrow("Scale: missing field 'axes'; pass axes: ... to the constructor.");
  });

  it('passes the type name to conversions so their errors name the class', () => {
    class Positive extends Struct.define('Positive', {
      n: staticField<number>().from((n: number, who) => {
        if (!(n > 0)) throw new RangeError(`${who}: n must be positive; got ${n}.`);
        return n;
      }),
    }) {}
    expect(() => new Positive({ n: -1 })).toThrow('Positive: n must be positive; got -1.');
  });

  it('keeps its stable name when the JS class name is mangled (minification)', () => {
    const mangled = { e: class extends Layer.define('Doubler', {})<nx.NamedArray, nx.NamedArray> {
      protected override forward(x: nx.NamedArray) { return x.mul(2); }
    } }.e;
    const d = new mangled();
    expect(mangled.name).not.toBe('Doubler');
    expect(d.typeName()).toBe('Doubler');
    expect(formatTree(new Sequential({ sublayers: [d] }))).toBe('Sequential({sublayers: [Doubler({})]})');
    expect(parseTree('Doubler({})', { classes: [mangled] })).toBeInstanceOf(mangled);
    // A user subclass of a defined class is its own type.
    class Tripler extends Scale {}
    expect(new Tripler({ axes: [] }).typeName()).toBe('Tripler');
  });

  it('parseTree fills declared defaults and rejects undeclared fields', () => {
    const s = parseTree("Scale({axes: ['seq']})", { classes: [Scale] }) as Scale;
    expect([s.by, s.offset]).toEqual([2, null]);
    expect(() => parseTree("Scale({axes: ['seq'], size: 3})", { classes: [Scale] })).toThrow(TreeParseError);
    expect(() => parseTree("Scale({axes: ['seq'], size: 3})", { classes: [Scale] })).toThrow(/Scale has no field 'size'; its fields are by, axes, offset/);
    const w = new Parameter({ label: 'w', value: nx.scalar(1) });
    const again = parseTree(formatTree(w, { roundTrip: true }), { classes: [Parameter] }) as Parameter;
    expect(again.trainable).toBe(true);
    again.value.dispose();
    w.value.dispose();
  });

  it('selectors do not search static fields', () => {
    class Holder extends Struct.define('Holder', { meta: staticField<readonly Parameter[]>(), kids: child<readonly Parameter[]>() }) {}
    const p = new Parameter({ label: 'p', value: nx.scalar(1) });
    const h = new Holder({ meta: [p], kids: [p] });
    expect(select(h).atInstancesOf(Parameter).paths.map((x) => x.map((e) => (e.kind === 'field' ? e.name : e.kind === 'index' ? e.index : e.key)))).toEqual([['kids', 0]]);
    p.value.dispose();
  });

  it('a definition on a defined class extends its fields', () => {
    const source = { storedDtype: 'float32', shape: [2], describe: 'w.safetensors: w', read: async () => new Float32Array(2) };
    const lazy = new LazyParameter({ label: 'w', namedShape: { a: 2 }, source });
    expect(lazy).toBeInstanceOf(ParameterSlot);
    expect([lazy.typeName(), lazy.fieldNames()]).toEqual(['LazyParameter', ['label', 'namedShape', 'source']]);
    expect(structFields(lazy).map((f) => f.kind)).toEqual(['static', 'static', 'static']);
    expect(() => lazy.value).toThrow(/held lazily on disk \(w.safetensors: w\)/);
  });

  it('an older-style subclass of a defined class adds fields through static fields', () => {
    class Tagged extends Scale {
      static override readonly fields = ['by', 'axes', 'offset', 'tag'] as const;
      declare readonly tag: string;
      constructor(f: { axes: string; tag: string }) {
        super(f as { axes: string });
      }
    }
    const t = new Tagged({ axes: 'seq', tag: 'probe' });
    expect([t.tag, t.by, t.axes]).toEqual(['probe', 2, ['seq']]);
    expect(t.fieldNames()).toEqual(['by', 'axes', 'offset', 'tag']);
  });

  it('the older declaration style still works', () => {
    class Old extends Layer<nx.NamedArray, nx.NamedArray> {
      static override readonly fields = ['b', 'a'] as const;
      declare readonly a: number;
      declare readonly b: number;
      constructor(f: { a: number; b: number }) {
        super(f);
      }
      protected override forward(x: nx.NamedArray) { return x.add(this.a + this.b); }
    }
    const o = new Old({ a: 1, b: 2 });
    expect(o.fieldNames()).toEqual(['b', 'a']);
    expect(o.typeName()).toBe('Old');
    expect(structFields(o).map((f) => f.kind)).toEqual(['child', 'child']);
    expect(o.call(nx.scalar(0)).arraySync()).toBe(3);
  });
});

describe('nested calls', () => {
  class Needs extends Layer.define('Needs', {})<nx.NamedArray, nx.NamedArray> {
    override sideInputRequests() { return ['pos']; }
    protected override forward(x: nx.NamedArray, side: SideInputs) { return x.add(side.pos as nx.NamedArray); }
  }
  it('an unrelated model called inside a forward pass is checked on its own', () => {
    class CallsOther extends Layer.define('CallsOther', { other: staticField<Layer<nx.NamedArray, nx.NamedArray>>() })<nx.NamedArray, nx.NamedArray> {
      protected override forward(x: nx.NamedArray) { return this.other.call(x, {}); }
    }
    const outer = new CallsOther({ other: new Needs() });
    expect(() => outer.call(nx.scalar(1))).toThrow(UnhandledSideInputError);
  });
  it('leaves no tensors behind, also when a nested layer throws', () => {
    const model = new Sequential({ sublayers: [new Scale({ axes: [] }), new Needs()] });
    const before = tf.memory().numTensors;
    const x = nx.fromArray([1, 2], ['seq']);
    const pos = nx.fromArray([10, 20], ['seq']);
    const out = model.call(x, { pos }) as nx.NamedArray;
    expect(out.arraySync('seq')).toEqual([12, 24]);
    const bad = nx.fromArray([1, 2, 3], ['seq']);
    expect(() => model.call(x, { pos: bad })).toThrow(/At \.sublayers\[1\] \(Needs\)/);
    [x, pos, out, bad].forEach((a) => a.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });
});
