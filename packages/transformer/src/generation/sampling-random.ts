/**
 * A seeded stream of random numbers for sampling, so that a generation run is reproducible
 * on every backend and platform. xoshiro128** (Blackman & Vigna), seeded through a
 * SplitMix-style integer hash; all arithmetic is 32-bit, so results never depend on floats.
 */

const TWO_POW_32 = 2 ** 32;

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A well-mixed 32-bit hash of a 32-bit counter; used only to spread a seed over the state. */
function mix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/**
 * A reproducible random stream. The same seed always yields the same numbers; `fork()` gives
 * an independent child stream (for example one per batch row or per request).
 *
 * @example
 * const rng = new RandomStream(42);
 * rng.nextFloat();   // in [0, 1), the same on every run
 * rng.nextSeed();    // a uint32, e.g. for tf.multinomial or a child stream
 * const copy = rng.clone();   // continues exactly where rng is now
 */
export class RandomStream {
  private s: Uint32Array;

  /** `seed`: a safe integer in 0 … 2^53−1. */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`RandomStream: seed must be an integer in 0 … ${Number.MAX_SAFE_INTEGER} (got ${seed})`);
    }
    let lo = seed >>> 0;
    let hi = Math.floor(seed / TWO_POW_32) >>> 0;
    const s = new Uint32Array(4);
    for (let i = 0; i < 4; i++) {
      lo = (lo + 0x9e3779b9) >>> 0;
      hi = (hi + 0x7f4a7c15) >>> 0;
      s[i] = mix32(lo) ^ rotl(mix32(hi ^ 0x85ebca6b), 13);
    }
    // xoshiro's one forbidden state is all zeros.
    if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
    this.s = s;
  }

  /** The next uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A uniform float in [0, 1) with 53 random bits (the full precision of a double). */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 2 ** 26 + lo) / 2 ** 53;
  }

  /** A new uint32 seed drawn from the stream (for tf ops that take a seed, or for child streams). */
  nextSeed(): number {
    return this.nextUint32();
  }

  /** An independent child stream seeded from this one (this stream advances by two draws). */
  fork(): RandomStream {
    return new RandomStream(this.nextUint32() * 2 ** 21 + (this.nextUint32() >>> 11));
  }

  /** A copy that will produce the same numbers as this stream from here on. */
  clone(): RandomStream {
    const copy = Object.create(RandomStream.prototype) as RandomStream;
    copy.s = this.s.slice();
    return copy;
  }
}
