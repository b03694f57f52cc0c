// Every misuse rule has a test, and every message names what is wrong, where, and the fix.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';

/** Arrays typed as untracked so the type checker lets the misuse through to run time. */
const any = <T>(x: T) => x as unknown as nx.NamedArray<string>;
let x: nx.NamedArray<string>;

beforeAll(async () => {
  await nx.ready();
  x = any(nx.zeros({ batch: 2, seq: 3, vocabulary: 4 }));
});
afterAll(() => x.dispose());

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(nx.NamedAxisError);
    return (e as Error).message;
  }
  throw new Error('expected a NamedAxisError');
}

describe('nmap and lifted ops', () => {
  it('a size clash names the clashing axes and every argument\'s named shape', () => {
    const a = nx.zeros({ a: 2, b: 3 });
    const b = nx.zeros({ b: 4 });
    const c = nx.zeros({ a: 2 });
    const m = message(() => nx.nmap((p: nx.Positional, q: nx.Positional, r: nx.Positional) => p.add(q).add(r))(a, b, c));
    expect(m).toContain("Inconsistent named axes in a call to nmap(f) for axes ['b']");
    expect(m).toContain('args[0].namedShape == {a: 2, b: 3}');
    expect(m).toContain('args[1].namedShape == {b: 4}');
    expect(m).toContain('args[2].namedShape == {a: 2}');
    expect(m).toMatch(/size 1 does not broadcast/);
    tf.dispose([a.data, b.data, c.data]);
  });

  it('named axes of size 1 do not broadcast in lifted binary ops', () => {
    const a = nx.zeros({ a: 2 });
    const b = nx.zeros({ a: 1 });
    expect(message(() => a.add(any(b)))).toMatch(/add.*\['a'\][\s\S]*\{a: 2\}[\s\S]*\{a: 1\}/);
    tf.dispose([a.data, b.data]);
  });

  it('axis numbers inside nmap count positional axes only', () => {
    const m = message(() => nx.nmap((p: nx.Positional) => p.sum(1))(x.untag('seq')));
    expect(m).toMatch(/Axis 1 is out of range for a positional array of shape \[3\].*positional axes only/);
  });
});

describe('tag, untag, unwrap', () => {
  it('tag with the wrong number of names says how many were expected and which were given', () => {
    const t = nx.wrap(tf.zeros([2, 3]));
    expect(message(() => any(t).tag('batch'))).toMatch(/expected 2 names for positional shape \[2, 3\], but 1 was given: \['batch'\]/);
    t.dispose();
  });

  it('repeated names are rejected, listing the repeats', () => {
    const t = nx.wrap(tf.zeros([2, 3]));
    expect(message(() => any(t).tag('a', 'a'))).toMatch(/Repeated axis names are not allowed; repeated: \['a'\]/);
    expect(message(() => x.untag('seq').tag('batch'))).toMatch(/repeated: \['batch'\].*already has \['batch', 'vocabulary'\]/);
    expect(message(() => x.untag('seq', 'seq'))).toMatch(/Repeated axis names are not allowed in untag\(\); repeated: \['seq'\]/);
    t.dispose();
  });

  it('int and int-like names are rejected', () => {
    const t = nx.wrap(tf.zeros([2]));
    expect(message(() => (t.tag as (...n: unknown[]) => unknown)(0))).toMatch(/Axis names must be strings; tag\(\) got 0 \(number\)/);
    expect(message(() => any(t).tag('0'))).toMatch(/Axis name '0' in tag\(\) looks like an integer/);
    expect(message(() => nx.zeros({ 1: 2 }))).toMatch(/Axis name '1'.*looks like an integer/);
    t.dispose();
  });

  it('untag on an array that already has positional axes', () => {
    expect(message(() => x.untag('seq').untag('batch'))).toMatch(
      /untag\(\['batch'\]\) on an array that already has positional axes \(positional shape \[3\], named shape \{batch: 2, vocabulary: 4\}\).*untagPrefix/,
    );
  });

  it('untag and unwrap of absent names say which names exist and which were given', () => {
    expect(message(() => x.untag('sequence'))).toMatch(
      /untag\(\) was given \['sequence'\], but the array has no axes named \['sequence'\]; expected names from \['batch', 'seq', 'vocabulary'\]/,
    );
    expect(message(() => x.unwrap('batch', 'seq', 'vocab'))).toMatch(/unwrap\(\) was given \['batch', 'seq', 'vocab'\].*no axes named \['vocab'\]/);
  });

  it('unwrap without every name lists expected, given and missing names', () => {
    expect(message(() => x.unwrap('batch', 'seq'))).toMatch(
      /unwrap\(\) must list every named axis: expected the names \['batch', 'seq', 'vocabulary'\].*given \['batch', 'seq'\]; missing \['vocabulary'\]/,
    );
  });

  it('tagPrefix with too many names, orderAs with the wrong names, positionalTensor with names left', () => {
    expect(message(() => x.untag('seq').tagPrefix('a', 'b'))).toMatch(/tagPrefix\(\) was given 2 names \['a', 'b'\] but the array has only 1 positional axes/);
    expect(message(() => x.orderAs('batch', 'seq'))).toMatch(/orderAs\(\['batch', 'seq'\]\) must list each of the array's axes \['batch', 'seq', 'vocabulary'\]/);
    expect(message(() => x.positionalTensor())).toMatch(/still has named axes \{batch: 2, seq: 3, vocabulary: 4\}/);
  });

  it('tagPrefix and untagPrefix errors name the method that was called', () => {
    expect(message(() => x.untag('seq').tagPrefix('batch'))).toMatch(/Repeated axis names are not allowed; repeated: \['batch'\] \(tagPrefix\(\) was given \['batch'\]/);
    expect(message(() => x.untag('seq').untagPrefix('vocab'))).toMatch(/^untagPrefix\(\) was given \['vocab'\], but the array has no axes named \['vocab'\]; expected names from \['batch', 'vocabulary'\]/);
  });

  it('checkValid reports inconsistent axis lists', () => {
    const t = tf.zeros([2, 3]);
    expect(message(() => new nx.NamedArray(t, ['a']).checkValid())).toMatch(/has 1 entries but the data has rank 2/);
    expect(message(() => new nx.NamedArray(t, ['a', 'a']).checkValid())).toMatch(/Repeated axis names/);
    expect(message(() => new nx.NamedArray(t, [1, 'a']).checkValid())).toMatch(/Positional axis indices must be 0\.\.0/);
    expect(new nx.NamedArray(t, [0, 'a']).checkValid().positionalShape).toEqual([2]);
    t.dispose();
  });

  it('item() of a non-scalar', () => {
    expect(message(() => x.item())).toMatch(/item\(\) needs a one-element array; this one has named shape \{batch: 2, seq: 3, vocabulary: 4\}/);
  });
});

describe('reductions, softmax, broadcasting', () => {
  it('reductions and softmax over absent axes', () => {
    expect(message(() => x.sum('vocab'))).toMatch(/sum: no axes named \['vocab'\] in an array with named shape \{batch: 2, seq: 3, vocabulary: 4\}/);
    expect(message(() => nx.argmax(x, 'token'))).toMatch(/argmax: no axes named \['token'\]/);
    expect(message(() => x.softmax())).toMatch(/softmax needs the names of the axes to normalise over/);
    expect(message(() => x.cumsum('time'))).toMatch(/cumsum: no axes named \['time'\]/);
  });

  it('broadcastTo refuses to change a named size or shrink the positional shape', () => {
    expect(message(() => x.broadcastTo({ namedShape: { seq: 5 } }))).toMatch(/axis 'seq' has size 3 but 5 was requested/);
    const p = x.untag('seq');
    expect(message(() => p.broadcastTo({ positionalShape: [4] }))).toMatch(/positional shape \[3\] is not broadcastable to \[4\]/);
  });
});

describe('contract and einsum', () => {
  const q = () => nx.zeros({ seq: 2, projection: 4 });
  const k = () => nx.zeros({ kv_seq: 3, projection: 5 });

  it('contract over an axis one operand lacks, and mismatched sizes', () => {
    const [a, b] = [q(), k()];
    expect(message(() => nx.contract(['seq'] as never[], any(a), any(b)))).toMatch(
      /contract\(\['seq'\]\): axes \['seq'\] must appear in both operands; got \{seq: 2, projection: 4\} and \{kv_seq: 3, projection: 5\}/,
    );
    expect(message(() => nx.contract(['projection'], a, b))).toMatch(/axes \['projection'\] have different sizes.*\{seq: 2, projection: 4\} vs \{kv_seq: 3, projection: 5\}/);
    expect(message(() => nx.contract(['seq'], any(a.untag('projection')), any(a)))).toMatch(/first operand has positional axes \[4\]/);
    tf.dispose([a.data, b.data]);
  });

  it('einsum spec errors: syntax, operand count, wrong axes, repeats, unknown outputs, sizes', () => {
    const [a, b] = [q(), k()];
    expect(message(() => nx.einsum('seq projection', a))).toMatch(/must look like 'a b, b c -> a c'/);
    expect(message(() => nx.einsum('seq projection, kv_seq projection -> seq kv_seq' as string, a))).toMatch(/names 2 operands but 1 was given/);
    expect(message(() => nx.einsum('seq embedding -> seq' as string, any(a)))).toMatch(
      /operand 0 should have exactly the axes \['seq', 'embedding'\] but has \{seq: 2, projection: 4\}/,
    );
    expect(message(() => nx.einsum('seq projection -> seq seq' as string, any(a)))).toMatch(/the output repeats axes \['seq'\]/);
    expect(message(() => nx.einsum('seq projection -> heads' as string, any(a)))).toMatch(/output axes \['heads'\] appear in no input/);
    expect(message(() => nx.einsum('seq projection, kv_seq projection -> seq kv_seq', a, b))).toMatch(
      /Inconsistent named axes in a call to einsum.*\['projection'\][\s\S]*args\[1\].namedShape == \{kv_seq: 3, projection: 5\}/,
    );
    tf.dispose([a.data, b.data]);
  });
});

describe('indexing and updates', () => {
  it('an index out of range names the axis and its size', () => {
    expect(message(() => x.index({ seq: 3 }))).toMatch(/index 3 is out of range for axis 'seq' of size 3 \(valid indices are -3\.\.2\)/);
    expect(message(() => x.index({ seq: -4 }))).toMatch(/index -4 is out of range for axis 'seq' of size 3/);
    expect(message(() => x.index({ vocabulary: [0, 4] }))).toMatch(/index 4 is out of range for axis 'vocabulary' of size 4/);
    expect(message(() => x.at({ seq: 5 }).set(1))).toMatch(/index 5 is out of range for axis 'seq' of size 3/);
  });

  it('unknown axes, existing axes as new ones, bad index values', () => {
    expect(message(() => x.index({ sequence: 0 }))).toMatch(/index: no axis named 'sequence'; the array has named shape \{batch: 2, seq: 3, vocabulary: 4\}/);
    expect(message(() => x.index({ seq: null }))).toMatch(/'seq: null' adds a new axis, but 'seq' already exists/);
    expect(message(() => x.index({ seq: 1.5 }))).toMatch(/axis 'seq' got a non-integer index 1\.5/);
    expect(message(() => x.index({ seq: 'a' as never }))).toMatch(/the value for axis 'seq' must be an int, nx\.slice/);
    expect(message(() => nx.slice(0, 3, 0))).toMatch(/step cannot be zero/);
    expect(message(() => x.index({ seq: [0], vocabulary: [1] }))).toMatch(/at most one axis may take a plain int array/);
  });

  it('NamedArray indices: dtype and size clashes', () => {
    const f = nx.fromArray([0, 1], ['batch'], 'float32');
    expect(message(() => x.index({ seq: f }))).toMatch(/used to index 'seq' must be int32; got float32/);
    const i = nx.fromArray([0, 1, 2], ['batch'], 'int32');
    expect(message(() => x.index({ seq: i }))).toMatch(/axis 'batch' has size 2 in the array \{batch: 2, seq: 3, vocabulary: 4\} but 3 in the index for 'seq'/);
    tf.dispose([f.data, i.data]);
  });

  it('at(...) updates: unsupported indices, value shapes and names', () => {
    expect(message(() => x.at({ seq: nx.slice(0, 3, 2) }).set(1))).toMatch(/slices with step 2 are not supported for updates on axis 'seq'/);
    const v = nx.zeros({ seq: 2 });
    expect(message(() => x.at({ seq: nx.slice(0, 3) }).set(v))).toMatch(/the value has size 2 along 'seq' but the indexed region has size 3/);
    expect(message(() => x.at({ seq: 0 }).set(v))).toMatch(/the value must not have axis 'seq' \(an int index removes it\)/);
    const w = nx.zeros({ heads: 2 });
    expect(message(() => x.at({ seq: 0 }).set(w))).toMatch(/the value has axes \['heads'\] that the array \{batch: 2, seq: 3, vocabulary: 4\} lacks/);
    expect(message(() => nx.dynamicSlice(0, 0))).toMatch(/size must be a positive integer; got 0/);
    expect(message(() => x.index({ seq: nx.dynamicSlice(0, 4) }))).toMatch(/dynamicSlice of size 4 does not fit in axis 'seq' of size 3/);
    tf.dispose([v.data, w.data]);
  });
});

describe('constructors and combinators', () => {
  it('stack/concatenate of mismatched arrays list every array', () => {
    const a = nx.zeros({ a: 2, b: 3 });
    const b = nx.zeros({ a: 2, b: 4 });
    expect(message(() => nx.stack([a, any(b)], 's'))).toMatch(/Inconsistent named axes in a call to stack for axes \['b'\]:\n {2}args\[0\]\.namedShape == \{a: 2, b: 3\}\n {2}args\[1\]\.namedShape == \{a: 2, b: 4\}/);
    expect(message(() => nx.concatenate([any(a), any(b)], 'a'))).toMatch(/concatenate: every array must have the same named axes and sizes apart from 'a'/);
    expect(message(() => nx.stack([a], 'a'))).toMatch(/already have an axis named 'a'/);
    expect(message(() => nx.split(a, 'b', 2))).toMatch(/axis 'b' has size 3, which cannot be split into 2/);
    expect(message(() => nx.unstack(a, 'c' as never))).toMatch(/No axis named 'c' in an array with named shape \{a: 2, b: 3\}/);
    tf.dispose([a.data, b.data]);
  });

  it('bad sizes, wrap of a non-tensor, oneHot misuse', () => {
    expect(message(() => nx.zeros({ a: -1 }))).toMatch(/Axis 'a' must have a non-negative integer size; got -1/);
    expect(message(() => nx.wrap([1, 2] as never))).toMatch(/wrap\(\) expects a tf\.Tensor; got object/);
    const ids = nx.fromArray([1, 2], ['seq'], 'int32');
    expect(message(() => nx.oneHot(ids, 'seq' as never, 3))).toMatch(/Repeated axis names/);
    expect(message(() => nx.oneHot(nx.astype(ids, 'float32'), 'v', 3))).toMatch(/ids must be int32; got float32/);
    ids.dispose();
  });
});
