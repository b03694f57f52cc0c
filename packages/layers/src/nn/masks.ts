import * as tf from '@tensorflow/tfjs';
import { NamedArray, formatNamedShape, whereOfOneShape } from '@penjing/named-array';
import { Layer, LayerError, type SideInputs } from '../core/layer.js';
import { staticField, type FieldValues } from '../tree/fields.js';
import { checkInputAxes, requireNamed } from './checks.js';

/**
 * The value masked attention logits get: large and negative, but finite, as in Gemma (so a
 * fully masked row softmaxes to uniform instead of NaN).
 * @example new ApplyCausalAttentionMask({ maskedOutValue: DEFAULT_MASKED_OUT_VALUE })
 */
export const DEFAULT_MASKED_OUT_VALUE = -2.3819763e38;

function sideArray(side: SideInputs, name: string, who: string): NamedArray {
  const v = side[name];
  if (!(v instanceof NamedArray)) throw new LayerError(`${who}: side input '${name}' must be a NamedArray; got ${v === undefined ? 'nothing' : typeof v}.`);
  return v;
}

/** Checks that a mask with named shape `ms` fits the logits `x` (same sizes, no stray axes). */
function checkMaskFits(x: NamedArray, ms: Record<string, number>, positional: readonly number[], who: string): void {
  const xs = x.namedShape as Record<string, number>;
  const names = Object.keys(ms);
  const stray = names.filter((n) => !(n in xs));
  const sized = names.filter((n) => n in xs && xs[n] !== ms[n]);
  if (stray.length || sized.length || positional.length) {
    throw new LayerError(
      `${who}: the mask ${formatNamedShape(ms)} does not fit the attention logits ${formatNamedShape(xs)}` +
        (stray.length ? `; axes [${stray.join(', ')}] are not in the logits` : '') +
        (sized.length ? `; axes [${sized.join(', ')}] differ in size` : '') +
        (positional.length ? `; it has positional axes [${positional}]` : '') + '.',
    );
  }
}

/** A mask laid out for one logits layout: `keep` (1 visible, 0 masked) and `bias` (0 or the masked value). */
interface MaskTerms {
  keep: tf.Tensor;
  bias: tf.Tensor;
}

// Every attention layer of a model reads the same side-input objects during one call, so the
// mask terms are built once per call and layout, keyed on those objects. A cached tensor
// belongs to the call that built it (the outermost call's tidy frees it); one found disposed
// is rebuilt, so the same positions object passed to several calls is safe.
const termCache = new WeakMap<object, WeakMap<object, Map<string, MaskTerms>>>();

function cachedTerms(a: object, b: object, key: string, build: () => MaskTerms): MaskTerms {
  let byB = termCache.get(a);
  if (!byB) termCache.set(a, (byB = new WeakMap()));
  let byKey = byB.get(b);
  if (!byKey) byB.set(b, (byKey = new Map()));
  const hit = byKey.get(key);
  if (hit && !hit.keep.isDisposed && !hit.bias.isDisposed) return hit;
  const made = build();
  byKey.set(key, made);
  return made;
}

/**
 * Masks float32 logits `x` as `x·keep + bias`, with the mask terms built once per call
 * (`sources`: the side-input objects the mask is a function of; `variant`: the layer settings
 * it depends on besides them). Exact for finite logits, equal to `where(visible, x, value)`,
 * gradients included, while costing two broadcast arithmetic kernels instead of tfjs's `where`,
 * which tiles its operands to the full logits shape in every layer.
 */
function applyMask(
  x: NamedArray,
  maskShape: Record<string, number>,
  visible: () => NamedArray,
  value: number,
  sources: readonly [object, object],
  variant: string,
  who: string,
): NamedArray {
  checkMaskFits(x, maskShape, [], who);
  const names = Object.keys(maskShape);
  // The mask in the logits' axis order with size-1 axes where it has none, so the large
  // logits array is used as is: no transposes.
  const order = x.names.filter((n) => names.includes(n));
  const shape = x.axes.map((a, i) => (typeof a === 'string' && names.includes(a) ? x.data.shape[i] : 1));
  const layout = `${variant}|${value}|${x.dtype}|${x.axes.join(',')}|${shape.join(',')}`;
  const build = (): MaskTerms => {
    const [keep, bias] = tf.tidy(() => {
      const m = tf.reshape(visible().orderAs(...order).data, shape);
      return [tf.cast(m, x.dtype), whereOfOneShape(m, tf.zeros(shape, x.dtype), tf.fill(shape, value, x.dtype))];
    });
    return { keep, bias };
  };
  const terms = cachedTerms(sources[0], sources[1], layout, build);
  if (x.dtype !== 'float32') {
    const keep = tf.tidy(() => whereOfOneShape(tf.broadcastTo(tf.cast(terms.keep, 'bool'), x.data.shape), x.data, tf.fill(x.data.shape, value, x.dtype)));
    return new NamedArray(keep, x.axes);
  }
  return new NamedArray(tf.tidy(() => tf.add(tf.mul(x.data, terms.keep), terms.bias)), x.axes);
}

/** The field declarations both causal masks share (each has a default). */
const CAUSAL_FIELDS = {
  maskedOutValue: staticField<number>().default(DEFAULT_MASKED_OUT_VALUE),
  /** Side input with the query positions `{batch…, seq}`. */
  queryPositionsInputName: staticField<string>().default('tokenPositions'),
  /**
   * Side input with the key positions: `{batch…, kv_seq}`, or `{batch…, seq}` which is then
   * renamed to `kv_seq` (the default, `tokenPositions`, is the uncached case where keys are
   * the queries' own tokens; a KV cache points this at `kvTokenPositions`).
   */
  kvPositionsInputName: staticField<string>().default('tokenPositions'),
  seqAxis: staticField<string>().default('seq'),
  kvSeqAxis: staticField<string>().default('kv_seq'),
};

/** The settings of a causal mask. */
type CausalSettings = FieldValues<typeof CAUSAL_FIELDS>;

function causalRequests(m: CausalSettings): readonly string[] {
  return [...new Set([m.queryPositionsInputName, m.kvPositionsInputName])];
}

/** Query and key positions as `{…, seq}` and `{…, kv_seq}` arrays. */
function positions(m: CausalSettings, side: SideInputs, who: string): [NamedArray, NamedArray] {
  const q = sideArray(side, m.queryPositionsInputName, who);
  let kv = sideArray(side, m.kvPositionsInputName, who);
  if (!kv.names.includes(m.kvSeqAxis) && kv.names.includes(m.seqAxis)) kv = kv.untag(m.seqAxis).tag(m.kvSeqAxis);
  checkInputAxes(q, { [m.seqAxis]: undefined }, `${who} (query positions '${m.queryPositionsInputName}')`);
  checkInputAxes(kv, { [m.kvSeqAxis]: undefined }, `${who} (key positions '${m.kvPositionsInputName}')`);
  return [q, kv];
}

/**
 * Masks `x` with `visible(query positions, key positions)`, built once per call for all the
 * layers that share the positions side inputs.
 */
function maskByPositions(m: CausalSettings, x: NamedArray, side: SideInputs, variant: string, who: string, visible: (q: NamedArray, kv: NamedArray) => NamedArray): NamedArray {
  const logits = requireNamed(x, who);
  checkInputAxes(logits, { [m.seqAxis]: undefined, [m.kvSeqAxis]: undefined }, who);
  const [qPos, kvPos] = positions(m, side, who);
  const shape: Record<string, number> = { ...(qPos.namedShape as Record<string, number>) };
  for (const [n, size] of Object.entries(kvPos.namedShape as Record<string, number>)) {
    if (n in shape && shape[n] !== size) {
      throw new LayerError(
        `${who}: query positions '${m.queryPositionsInputName}' ${formatNamedShape(qPos.namedShape)} and key positions ` +
          `'${m.kvPositionsInputName}' ${formatNamedShape(kvPos.namedShape)} disagree on the size of axis '${n}'.`,
      );
    }
    shape[n] = size;
  }
  const sources = [side[m.queryPositionsInputName] as object, side[m.kvPositionsInputName] as object] as const;
  const key = `${variant}|${m.seqAxis}|${m.kvSeqAxis}`;
  return applyMask(logits, shape, () => visible(qPos, kvPos), m.maskedOutValue, sources, key, who);
}

/** Position −1 marks padding: such keys are never visible. */
function causalVisible(qPos: NamedArray, kvPos: NamedArray): NamedArray {
  return qPos.greaterEqual(kvPos).logicalAnd(kvPos.greaterEqual(0));
}

/**
 * Masks attention logits `{…, seq, kv_seq}` so a query sees only keys at positions
 * `q_pos ≥ kv_pos ≥ 0`; masked entries become `maskedOutValue`.
 * @example new ApplyCausalAttentionMask({}).call(logits, { tokenPositions })
 */
export class ApplyCausalAttentionMask extends Layer.define('ApplyCausalAttentionMask', CAUSAL_FIELDS)<NamedArray, NamedArray> {
  override sideInputRequests(): readonly string[] {
    return causalRequests(this);
  }
  protected override forward(x: NamedArray, side: SideInputs): NamedArray {
    return maskByPositions(this, x, side, 'causal', 'ApplyCausalAttentionMask', causalVisible);
  }
}

/**
 * The causal mask restricted to a window: additionally `q_pos − kv_pos < slidingWindowSize`
 * (each query sees itself and the `slidingWindowSize − 1` keys before it).
 * @example new ApplyCausalSlidingWindowAttentionMask({ slidingWindowSize: 4096 })
 */
export class ApplyCausalSlidingWindowAttentionMask extends Layer.define('ApplyCausalSlidingWindowAttentionMask', {
  slidingWindowSize: staticField<number>().from((w: number, who) => {
    if (!Number.isInteger(w) || w < 1) throw new RangeError(`${who}: slidingWindowSize must be a positive integer; got ${w}.`);
    return w;
  }),
  ...CAUSAL_FIELDS,
})<NamedArray, NamedArray> {
  override sideInputRequests(): readonly string[] {
    return causalRequests(this);
  }
  protected override forward(x: NamedArray, side: SideInputs): NamedArray {
    const who = `ApplyCausalSlidingWindowAttentionMask(${this.slidingWindowSize})`;
    const w = this.slidingWindowSize;
    return maskByPositions(this, x, side, `window ${w}`, who, (q, kv) => causalVisible(q, kv).logicalAnd(q.sub(kv).less(w)));
  }
}

/**
 * Masks attention logits with a boolean mask from a side input (default `attnMask`,
 * `{batch…, seq, kv_seq}`; true = visible).
 * @example new ApplyExplicitAttentionMask({}).call(logits, { attnMask })
 */
export class ApplyExplicitAttentionMask extends Layer.define('ApplyExplicitAttentionMask', {
  maskInputName: staticField<string>().default('attnMask'),
  maskedOutValue: staticField<number>().default(DEFAULT_MASKED_OUT_VALUE),
})<NamedArray, NamedArray> {
  override sideInputRequests(): readonly string[] {
    return [this.maskInputName];
  }
  protected override forward(input: NamedArray, side: SideInputs): NamedArray {
    const who = `ApplyExplicitAttentionMask('${this.maskInputName}')`;
    const x = requireNamed(input, who);
    const mask = sideArray(side, this.maskInputName, who);
    checkMaskFits(x, mask.namedShape as Record<string, number>, mask.positionalShape, who);
    const visible = () => (mask.dtype === 'bool' ? mask : mask.notEqual(0));
    return applyMask(x, mask.namedShape as Record<string, number>, visible, this.maskedOutValue, [mask, mask], 'explicit', who);
  }
}
