// Type tests for models: the axis names of tokens flow through GemmaTransformer.call and
// TransformerLM.call to the logits, so a misspelled logits axis is a compile error.
// tsc (npm run build) fails if a line marked @ts-expect-error compiles. Nothing here runs.
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { GemmaTransformer } from '@penjing/gemma';
import { TransformerLM, type Logits } from '@penjing/transformer';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | void {}

declare const model: GemmaTransformer;
declare const lm: TransformerLM;
const tokens = nx.wrap(tf.zeros([2, 5], 'int32')).tag('batch', 'seq');

// Logits carry the token axes plus `vocabulary`.
const logits = model.call(tokens);
assertType<Equal<nx.NamesOf<typeof logits>, 'batch' | 'seq' | 'vocabulary'>>();
const typed: Logits = logits;
logits.unwrap('batch', 'seq', 'vocabulary');
logits.sum('vocabulary');
// @ts-expect-error: misspelled axis on the logits
logits.unwrap('batch', 'seq', 'vocab');
// @ts-expect-error: misspelled axis in a reduction
logits.softmax('vocabulary_');
// @ts-expect-error: 'kv_seq' is not an axis of the logits
logits.index({ kv_seq: 0 });

// returnLastOnly: true drops `seq`.
const last = model.call(tokens, { returnLastOnly: true });
assertType<Equal<nx.NamesOf<typeof last>, 'batch' | 'vocabulary'>>();
// @ts-expect-error: the last-token logits have no seq axis
last.sum('seq');

// Batch axes are generic: other leading axes carry through.
const worlds = nx.wrap(tf.zeros([2, 3, 5], 'int32')).tag('worlds', 'batch', 'seq');
const wl = lm.call(worlds, { tokenPositions: undefined });
assertType<Equal<nx.NamesOf<typeof wl>, 'worlds' | 'batch' | 'seq' | 'vocabulary'>>();
// @ts-expect-error: misspelled batch axis
wl.mean('world');
const lmLast = lm.call(tokens, { returnLastOnly: true });
assertType<Equal<nx.NamesOf<typeof lmLast>, 'batch' | 'vocabulary'>>();

// Untracked tokens give untracked logits (any name is allowed).
const loose: nx.NamedArray<string> = nx.wrap(tf.zeros([1, 2], 'int32')).tag('batch', 'seq');
model.call(loose).sum('anything');
void typed;
