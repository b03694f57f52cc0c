import * as nx from '@penjing/named-array';
import { NamedArray } from '@penjing/named-array';
import { Layer, LayerError, type SideInputs } from '../core/layer.js';
import { staticField } from '../tree/fields.js';
import { requireNamed } from './checks.js';

/** The side input `Dropout` reads. */
export const RANDOM_STREAM = 'randomStream';

/**
 * A stream of random keys (Penzai's `pz.RandomStream`): each `nextKey()` is a new, independent
 * key derived from the base key and a counter. It is the one mutable object a call reads
 * (like Penzai's), passed as the `randomStream` side input; the same base key replays the
 * same keys.
 * @example model.call(x, { randomStream: new RandomStream(nx.randomKey(0)) })
 */
export class RandomStream {
  readonly base: NamedArray;
  #count = 0;
  /** `base`: a key from `nx.randomKey`/`nx.randomSplit`, or an integer seed. */
  constructor(base: NamedArray | number) {
    this.base = typeof base === 'number' ? nx.randomKey(base) : base;
    if (this.base.dtype !== 'int32' || this.base.positionalShape.join() !== '2' || this.base.names.length) {
      throw new TypeError(`RandomStream needs one random key (nx.randomKey(seed)) or a seed; got ${this.base.toString()}.`);
    }
  }
  /** A new key; the caller owns it. @example const key = stream.nextKey(); */
  nextKey(): NamedArray {
    return nx.randomFoldIn(this.base, this.#count++);
  }
  /** How many keys have been drawn. @example stream.count */
  get count(): number {
    return this.#count;
  }
}

/**
 * Randomly zeroes elements with probability `rate` and scales the rest by `1/(1−rate)`
 * (Penzai's `StochasticDropout`), drawing a key from the `randomStream` side input. For
 * evaluation, remove it: `select(model).atInstancesOf(Dropout).set(new Identity())`.
 * @example new Dropout({ rate: 0.1 }).call(x, { randomStream: new RandomStream(0) })
 */
export class Dropout extends Layer.define('Dropout', {
  rate: staticField<number>(),
  /** The side input holding the RandomStream (default `randomStream`). */
  sideInputName: staticField<string>().default(RANDOM_STREAM),
})<NamedArray, NamedArray> {
  constructor(f: { rate: number; sideInputName?: string }) {
    if (!(f.rate >= 0 && f.rate < 1)) throw new RangeError(`Dropout: rate must be in [0, 1); got ${f.rate}.`);
    super(f);
  }
  override sideInputRequests(): readonly string[] {
    return [this.sideInputName];
  }
  protected override forward(input: NamedArray, side: SideInputs): NamedArray {
    const x = requireNamed(input, 'Dropout');
    const stream = side[this.sideInputName];
    if (!(stream instanceof RandomStream)) {
      throw new LayerError(`Dropout: the side input '${this.sideInputName}' must be a RandomStream (new RandomStream(nx.randomKey(seed))); got ${stream === null ? 'null' : typeof stream}.`);
    }
    if (this.rate === 0) return x;
    const keep = nx.randomUniform(x.namedShape as Record<string, number>, { key: stream.nextKey() }).greaterEqual(this.rate);
    return nx.where(keep, x.div(1 - this.rate), 0);
  }
}
