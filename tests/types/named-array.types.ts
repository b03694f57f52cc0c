// Type tests: tsc (npm run build) fails if a line marked @ts-expect-error compiles, or if an
// annotated result type is wrong. Nothing here runs.
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';

/** Compile-time equality of two types. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | void {}
type NamesOf<T> = nx.NamesOf<T>;

const x = nx.wrap(tf.zeros([2, 3, 4])).tag('batch', 'seq', 'vocabulary');
assertType<Equal<NamesOf<typeof x>, 'batch' | 'seq' | 'vocabulary'>>();

// --- widening and exactness -----------------------------------------------------------
const asAny: nx.NamedArray<string> = x; // tracked names widen to untracked
const takesAny = (a: nx.NamedArray<string>) => a.names;
takesAny(x);
const ab = nx.zeros({ a: 2, b: 3 });
const abArray: nx.NamedArray<string>[] = [ab, x];
// @ts-expect-error: a name set is exact — {a, b} is not {a}
const onlyA: nx.NamedArray<'a'> = ab;
// @ts-expect-error: ...nor {a, b, c}
const abc: nx.NamedArray<'a' | 'b' | 'c'> = ab;
/** Rank polymorphism: works for any extra names. */
function sumSeq<N extends string>(a: nx.NamedArray<N | 'seq'>): nx.NamedArray<Exclude<N, 'seq'>> {
  return a.sum('seq');
}
assertType<Equal<NamesOf<ReturnType<typeof sumSeq<'batch'>>>, 'batch'>>();
const viaGeneric: nx.NamedArray<'batch' | 'vocabulary'> = sumSeq(x);

// --- wrap, tag, untag, unwrap -----------------------------------------------------------
assertType<Equal<NamesOf<ReturnType<typeof nx.wrap<['p', 'q']>>>, 'p' | 'q'>>();
const shape: { readonly batch: number; readonly seq: number; readonly vocabulary: number } = x.namedShape;
const t1: tf.Tensor = x.unwrap('batch', 'seq', 'vocabulary');
const t2: tf.Tensor = x.unwrap('vocabulary', 'batch', 'seq');
// @ts-expect-error: 'vocabulary' is missing from unwrap
x.unwrap('batch', 'seq');
// @ts-expect-error: misspelled axis
x.unwrap('batch', 'seq', 'vocab');
const u = x.untag('seq');
assertType<Equal<NamesOf<typeof u>, 'batch' | 'vocabulary'>>();
const retagged = u.tag('time');
assertType<Equal<NamesOf<typeof retagged>, 'batch' | 'vocabulary' | 'time'>>();
// @ts-expect-error: untag of an absent name
x.untag('sequence');
// @ts-expect-error: one misspelling among correct names
x.untag('seq', 'btach');
// @ts-expect-error: tag with an existing name
x.untag('seq').tag('batch');
// @ts-expect-error: tagPrefix with an existing name
x.untag('seq').tagPrefix('vocabulary');
const up = x.untagPrefix('batch', 'seq');
assertType<Equal<NamesOf<typeof up>, 'vocabulary'>>();
// @ts-expect-error: untagPrefix of an absent name
x.untagPrefix('heads');

const tp = nx.wrap(tf.zeros([2, 3, 4])).tagPrefix('batch');
assertType<Equal<NamesOf<typeof tp>, 'batch'>>();
const noneUntagged = x.untag();
assertType<Equal<NamesOf<typeof noneUntagged>, 'batch' | 'seq' | 'vocabulary'>>();
// @ts-expect-error: untagPrefix with a misspelled name among correct ones
x.untagPrefix('batch', 'sequence');

// --- layout -----------------------------------------------------------------------------
const o: nx.NamedArray<'batch' | 'seq' | 'vocabulary'> = x.orderAs('vocabulary', 'seq', 'batch');
// @ts-expect-error: orderAs must list every name
x.orderAs('vocabulary', 'seq');
// @ts-expect-error: orderAs with a misspelled name
x.orderAs('vocabulary', 'seq', 'bach');
const canon: typeof x = x.canonicalize().orderLike(x);
const bt = x.broadcastTo({ namedShape: { heads: 8 } });
assertType<Equal<NamesOf<typeof bt>, 'batch' | 'seq' | 'vocabulary' | 'heads'>>();
const bl = nx.zeros({ heads: 8 }).broadcastLike(x);
assertType<Equal<NamesOf<typeof bl>, 'batch' | 'seq' | 'vocabulary' | 'heads'>>();

// --- reductions and normalisation -------------------------------------------------------
const s: nx.NamedArray<'batch' | 'seq'> = x.sum('vocabulary');
// @ts-expect-error: sum removes vocabulary
const s2: nx.NamedArray<'batch' | 'seq' | 'vocabulary'> = x.sum('vocabulary');
// @ts-expect-error: misspelled reduction axis
x.sum('vocab');
const m2: nx.NamedArray<'vocabulary'> = x.mean('batch', 'seq');
const mx: nx.NamedArray<'seq'> = x.max('batch', 'vocabulary');
const mn: nx.NamedArray<'batch' | 'vocabulary'> = x.min('seq');
const pr: nx.NamedArray<'batch' | 'vocabulary'> = x.prod('seq');
// @ts-expect-error: misspelled axis in mean
x.mean('sequence');
// @ts-expect-error: misspelled axis in max
x.max('vocab');
const am: nx.NamedArray<'batch' | 'seq'> = x.argmax('vocabulary');
const an: nx.NamedArray<'batch' | 'vocabulary'> = x.argmin('seq');
// @ts-expect-error: misspelled argmax axis
x.argmax('vocab');
const sm: typeof x = x.softmax('vocabulary');
const lsm: typeof x = x.logSoftmax('seq', 'vocabulary');
// @ts-expect-error: misspelled softmax axis
x.softmax('kv_seq');
// @ts-expect-error: misspelled logSoftmax axis
x.logSoftmax('vocab');
const cs: typeof x = x.cumsum('seq');
// @ts-expect-error: misspelled cumsum axis
x.cumsum('sequence');
const fs: nx.NamedArray<'batch' | 'seq'> = nx.sum(x, 'vocabulary');
// @ts-expect-error: module-level reductions check names too
nx.sum(x, 'vocab');
// @ts-expect-error: module-level softmax checks names
nx.softmax(x, 'vocab');

const fam: nx.NamedArray<'batch' | 'seq'> = nx.argmax(x, 'vocabulary');
// @ts-expect-error: module-level argmax checks the name
nx.argmax(x, 'vocab');
// @ts-expect-error: module-level cumsum checks the name
nx.cumsum(x, 'sequence');
// @ts-expect-error: module-level logSoftmax checks names
nx.logSoftmax(x, 'vocab');
void fam;

// --- elementwise ops, nmap --------------------------------------------------------------
const y = nx.wrap(tf.zeros([4, 5])).tag('vocabulary', 'embedding');
const sum2: nx.NamedArray<'batch' | 'seq' | 'vocabulary' | 'embedding'> = x.add(y);
const cmp: nx.NamedArray<'batch' | 'seq' | 'vocabulary' | 'embedding'> = nx.greater(x, y);
const w3 = nx.where(nx.greater(x, 0), y, 0);
assertType<Equal<NamesOf<typeof w3>, 'batch' | 'seq' | 'vocabulary' | 'embedding'>>();
const m = nx.nmap((a: nx.Positional, b: nx.Positional) => a.add(b))(x, y);
assertType<Equal<NamesOf<typeof m>, 'batch' | 'seq' | 'vocabulary' | 'embedding'>>();
const pair = nx.nmap((a: nx.Positional) => [a.exp(), a.log()])(x.untag('seq'));
assertType<Equal<NamesOf<(typeof pair)[number]>, 'batch' | 'vocabulary'>>();
const mixed = nx.nmap((a: nx.Positional, k: number) => a.mul(k))(x, 3);
assertType<Equal<NamesOf<typeof mixed>, 'batch' | 'seq' | 'vocabulary'>>();
const sg: typeof x = nx.stopGradient(x);

// --- contraction -------------------------------------------------------------------------
const c: nx.NamedArray<'batch' | 'seq' | 'embedding'> = nx.contract(['vocabulary'], x, y);
// @ts-expect-error: contracting an axis the operands do not share
nx.contract(['embedding'], x, y);
// @ts-expect-error: contracting a misspelled axis
nx.contract(['vocab'], x, y);
const e1 = nx.einsum('batch seq vocabulary, vocabulary embedding -> embedding batch', x, y);
assertType<Equal<NamesOf<typeof e1>, 'embedding' | 'batch'>>();
const e2 = nx.einsum('  batch   seq vocabulary ->  ', x);
assertType<Equal<NamesOf<typeof e2>, never>>();
// @ts-expect-error: the first operand's names differ from its term
nx.einsum('batch seq, vocabulary embedding -> batch', x, y);
// @ts-expect-error: the second operand's names differ from its term
nx.einsum('batch seq vocabulary, vocabulary heads -> batch', x, y);
const loose: nx.NamedArray<string> = x;
const e3 = nx.einsum('batch seq vocabulary, vocabulary embedding -> seq', loose, y); // untracked operands are checked at run time
assertType<Equal<NamesOf<typeof e3>, 'seq'>>();

// --- indexing -----------------------------------------------------------------------------
const ids = nx.wrap(tf.zeros([2, 3], 'int32')).tag('batch', 'seq');
const g: nx.NamedArray<'batch' | 'seq'> = x.index({ vocabulary: ids });
const g2: nx.NamedArray<'batch' | 'vocabulary'> = x.index({ seq: 0 });
const g3: nx.NamedArray<'batch' | 'seq' | 'vocabulary'> = x.index({ seq: nx.slice(0, 2) });
const g4: nx.NamedArray<'batch' | 'seq' | 'vocabulary' | 'extra'> = x.index({ extra: null });
const g5: nx.NamedArray<'batch' | 'seq' | 'vocabulary'> = x.index({ seq: nx.dynamicSlice(0, 1) });
const g6: nx.NamedArray<'batch' | 'vocabulary'> = x.index({ seq: [0, 2] }); // becomes positional
const diag = x.index({ batch: nx.arange('k', 2), seq: nx.arange('k', 2) });
assertType<Equal<NamesOf<typeof diag>, 'k' | 'vocabulary'>>();
// @ts-expect-error: misspelled index axis
x.index({ sequence: 0 });
// @ts-expect-error: null adds a new axis, so it cannot name an existing one
x.index({ seq: null });
const looseIndexed = loose.index({ extra: null, seq: 1 }); // untracked arrays accept both
assertType<Equal<NamesOf<typeof looseIndexed>, string>>();
const up1: typeof x = x.at({ seq: nx.slice(1, 3) }).set(nx.zeros({ seq: 2 }));
const up2: typeof x = x.at({ seq: 0, batch: nx.dynamicSlice(ids.index({ seq: 0, batch: 0 }), 1) }).add(1);
// @ts-expect-error: misspelled axis in at()
x.at({ sequence: 0 });
// at() takes index arrays too (a scatter, as Penzai's .at[...])
const up3: typeof x = x.at({ seq: nx.fromArray([0, 1], ['k'], 'int32') }).add(1);

// --- constructors and combinators -------------------------------------------------------
const z = nx.zeros({ batch: 2, seq: 3 });
assertType<Equal<NamesOf<typeof z>, 'batch' | 'seq'>>();
assertType<Equal<NamesOf<ReturnType<typeof nx.randomNormal<{ a: 1 }>>>, 'a'>>();
const ar = nx.arange('seq', 4);
assertType<Equal<NamesOf<typeof ar>, 'seq'>>();
const fa = nx.fromArray([[1, 2]], ['row', 'col']);
assertType<Equal<NamesOf<typeof fa>, 'row' | 'col'>>();
const st = nx.stack([z, z], 'layer');
assertType<Equal<NamesOf<typeof st>, 'batch' | 'seq' | 'layer'>>();
const cat: typeof z = nx.concatenate([z, z], 'seq');
// @ts-expect-error: concatenating along an absent axis
nx.concatenate([z, z], 'vocabulary');
const [first] = nx.unstack(st, 'layer');
assertType<Equal<NamesOf<typeof first>, 'batch' | 'seq'>>();
// @ts-expect-error: unstacking an absent axis
nx.unstack(z, 'layer');
const parts: (typeof z)[] = nx.split(z, 'seq', 3);
// @ts-expect-error: splitting along an absent axis
nx.split(z, 'vocabulary', 2);

const oh = nx.oneHot(ids, 'vocabulary', 4);
assertType<Equal<NamesOf<typeof oh>, 'batch' | 'seq' | 'vocabulary'>>();

void [asAny, abArray, onlyA, abc, viaGeneric, shape, t1, t2, o, canon, s, s2, m2, mx, mn, pr, am, an, sm, lsm, cs, fs, sum2, cmp, sg, c];
void [g, g2, g3, g4, g5, g6, up1, up2, up3, cat, parts];

// --- scalars keep the names ---------------------------------------------------------------
const plus1 = x.add(1);
assertType<Equal<NamesOf<typeof plus1>, 'batch' | 'seq' | 'vocabulary'>>();
const minus = nx.sub(1, x);
assertType<Equal<NamesOf<typeof minus>, 'batch' | 'seq' | 'vocabulary'>>();
const both = nx.logicalAnd(nx.greater(x, 0), true);
assertType<Equal<NamesOf<typeof both>, 'batch' | 'seq' | 'vocabulary'>>();
const masked = nx.where(nx.greater(x, 0), 1, 0);
assertType<Equal<NamesOf<typeof masked>, 'batch' | 'seq' | 'vocabulary'>>();
