/**
 * A parameter's values held on disk: where a checkpoint tensor lives (file, name, dtype,
 * byte range) and how its stored layout becomes the parameter's named layout. Nothing is
 * read when the model is built; `read()` opens the file, reads that tensor's byte range
 * (never the whole file), decodes it to float32 and lays it out as the eager loader would
 * (reshape, axis reorder, Gemma's `1 + w` norm fold) — in plain JS, without tfjs, so the
 * values never enter the wasm heap.
 */
import type { LazySource } from '@penjing/layers';
import { CheckpointError, nodeIo, type SafetensorsDtype } from '@penjing/io';
import type { WeightLayout } from './hf-layout.js';

/** What identifies the file version a source was made from (a changed file must not be read silently). */
export interface FileStamp {
  readonly size: number;
  readonly mtimeMs: number;
}

/**
 * One checkpoint tensor as a {@link LazySource} for a model parameter.
 *
 * @example
 * const src = new SafetensorsLazySource({ file, tensor: 'model.norm.weight', storedDtype: 'BF16', layout, stamp });
 * const values = await src.read(); // Float32Array in the parameter's axis order, 1 + w folded
 */
export class SafetensorsLazySource implements LazySource {
  readonly file: string;
  readonly tensor: string;
  readonly storedDtype: SafetensorsDtype;
  readonly layout: WeightLayout;
  readonly stamp: FileStamp;
  /** The parameter's shape, in the order of `layout.order` (the LazyParameter's namedShape). */
  readonly shape: readonly number[];

  constructor(f: { file: string; tensor: string; storedDtype: SafetensorsDtype; layout: WeightLayout; stamp: FileStamp }) {
    this.file = f.file;
    this.tensor = f.tensor;
    this.storedDtype = f.storedDtype;
    this.layout = f.layout;
    this.stamp = f.stamp;
    const sizes = new Map(f.layout.axes);
    this.shape = f.layout.order.map((n) => sizes.get(n)!);
    Object.freeze(this);
  }

  /** `file: tensor`, for messages. @example src.describe // 'out/m/model.safetensors: model.norm.weight' */
  get describe(): string {
    return `${this.file}: ${this.tensor}`;
  }

  /** The named shape of the parameter these values fill. @example src.namedShape // { embedding: 640 } */
  get namedShape(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.layout.order.map((n, i) => [n, this.shape[i]]));
  }

  /**
   * Reads, decodes and lays out the values (float32, row-major in `shape`). Fails with a
   * CheckpointError when the file changed since the model was loaded.
   * @example const w = await src.read();
   */
  async read(): Promise<Float32Array> {
    await this.checkUnchanged();
    const f = await (await nodeIo('reading lazy weights')).openSafetensors(this.file);
    let data: Float32Array;
    try {
      const info = f.header(this.tensor);
      const want = this.layout.hfShape;
      if (info.dtype !== this.storedDtype || info.shape.length !== want.length || info.shape.some((s, i) => s !== want[i])) {
        throw this.changed(`now holds ${info.dtype} [${info.shape.join(', ')}], not ${this.storedDtype} [${want.join(', ')}]`);
      }
      data = (await f.read(this.tensor)).data as Float32Array;
    } finally {
      await f.close();
    }
    const storedSizes = this.layout.axes.map(([, s]) => s);
    const perm = this.layout.order.map((n) => this.layout.axes.findIndex(([m]) => m === n));
    const out = permuteAxes(data, storedSizes, perm);
    // Float32Array stores round w + 1 to float32 exactly as tfjs's float32 add does.
    if (this.layout.offsetNorm) for (let i = 0; i < out.length; i++) out[i] += 1;
    return out;
  }

  private async checkUnchanged(): Promise<void> {
    let now: FileStamp;
    try {
      now = await (await nodeIo('reading lazy weights')).fileStamp(this.file);
    } catch (cause) {
      throw this.changed(`cannot be opened any more (${(cause as NodeJS.ErrnoException).code ?? cause})`);
    }
    if (now.size !== this.stamp.size || now.mtimeMs !== this.stamp.mtimeMs) {
      throw this.changed(`was modified after the model was loaded (size ${this.stamp.size} → ${now.size} bytes)`);
    }
  }

  private changed(what: string): CheckpointError {
    return new CheckpointError(this.file, `the file behind this lazily loaded parameter ${what}`, {
      tensor: this.tensor,
      fix: 'Lazy weights are read from the checkpoint when the model is compiled; keep the files unchanged, or load the model again.',
    });
  }
}

const TILE = 64;

/**
 * `data` (row-major in `sizes`) with its axes reordered so that output axis k is input axis
 * `perm[k]`. Returns `data` itself when the order is unchanged. Axes that stay adjacent
 * are merged first, so the layouts of a checkpoint (all 2-D transposes underneath) run as
 * one tight loop.
 *
 * @example permuteAxes(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3], [1, 0]) // [1, 4, 2, 5, 3, 6]
 */
export function permuteAxes(data: Float32Array, sizes: readonly number[], perm: readonly number[]): Float32Array {
  // Merge runs of input axes that appear consecutively in the output order.
  const groups: number[][] = [];
  for (const a of perm) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1] + 1 === a) last.push(a);
    else groups.push([a]);
  }
  if (groups.length === 1) return data;
  const byStart = [...groups].sort((x, y) => x[0] - y[0]);
  const mergedSizes = byStart.map((g) => g.reduce((p, a) => p * sizes[a], 1));
  const inStrides = new Array<number>(byStart.length);
  for (let i = byStart.length - 1, s = 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= mergedSizes[i];
  }
  const outAxes = groups.map((g) => byStart.indexOf(g));
  const outSizes = outAxes.map((a) => mergedSizes[a]);
  const strides = outAxes.map((a) => inStrides[a]);
  const out = new Float32Array(data.length);
  if (outSizes.length === 2) {
    // A 2-D transpose, in tiles so that reads and writes both stay in cache (a plain loop
    // reads with a stride of a whole row and runs several times slower on big matrices).
    const [rows, cols] = outSizes, [sr, sc] = strides;
    for (let r0 = 0; r0 < rows; r0 += TILE) {
      const r1 = Math.min(rows, r0 + TILE);
      for (let c0 = 0; c0 < cols; c0 += TILE) {
        const c1 = Math.min(cols, c0 + TILE);
        for (let c = c0; c < c1; c++) for (let r = r0, i = r0 * sr + c * sc, o = r0 * cols + c; r < r1; r++, i += sr, o += cols) out[o] = data[i];
      }
    }
    return out;
  }
  const idx = new Array<number>(outSizes.length).fill(0);
  for (let o = 0, i = 0; o < out.length; o++) {
    out[o] = data[i];
    for (let k = outSizes.length - 1; k >= 0; k--) {
      i += strides[k];
      if (++idx[k] < outSizes[k]) break;
      i -= strides[k] * outSizes[k];
      idx[k] = 0;
    }
  }
  return out;
}
