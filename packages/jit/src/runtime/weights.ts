/**
 * The weights of one jitted model, read once (from tensors or lazily from checkpoint files)
 * and written to one file that every compiled graph of the model references as external
 * data: ONNX Runtime maps it, so the compiled shapes share one copy of the weights.
 */
import type { ParamSource } from '../trace/graph.js';
import type { WeightLocation } from '../onnx/write.js';
import { nodeFs, nodePath } from './node.js';

const ALIGN = 1 << 16;

/** Progress of weight reading: bytes so far of the bytes needed. */
export type WeightProgress = (done: number, total: number, label: string) => void;

/**
 * Where each parameter of a jitted model lies in its weights (a file in Node, a buffer on the
 * web route): appended in order, each at an aligned offset. The two stores differ only in
 * where the bytes go.
 */
export abstract class WeightLayout {
  readonly locations = new Map<string, WeightLocation>();
  /** The first byte after the last parameter. */
  protected end = 0;
  constructor(
    readonly fileName: string,
    private readonly align: number,
    private readonly what: string,
  ) {}

  /** Where a parameter is. @example weights.locate('embedder.input_embedding') */
  locate(label: string): WeightLocation {
    const l = this.locations.get(label);
    if (!l) throw new Error(`jit: parameter '${label}' was not written to the ${this.what}.`);
    return l;
  }

  /** Reads each parameter not placed yet and hands its bytes to `put` at the next aligned offset; returns how many. */
  protected async place(params: ReadonlyMap<string, ParamSource>, put: (bytes: Uint8Array, offset: number) => void, progress?: WeightProgress): Promise<number> {
    const missing = [...params].filter(([label]) => !this.locations.has(label));
    let done = 0;
    for (const [label, source] of missing) {
      const values = source.kind === 'tensor' ? (source.tensor.dataSync() as Float32Array | Int32Array) : await source.read();
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      const offset = Math.ceil(this.end / this.align) * this.align;
      put(bytes, offset);
      this.end = offset + bytes.length;
      this.locations.set(label, { file: this.fileName, offset, length: bytes.length });
      progress?.(++done, missing.length, label);
    }
    return done;
  }
}

export class WeightFile extends WeightLayout {
  private fd: number | undefined;
  constructor(
    readonly dir: string,
    fileName = 'weights.bin',
  ) {
    super(fileName, ALIGN, 'weights file');
  }

  /** Writes every parameter not yet in the file. @example await file.add(trace.graph.params) */
  async add(params: ReadonlyMap<string, ParamSource>, progress?: WeightProgress): Promise<void> {
    const fs = await nodeFs();
    const path = await nodePath();
    const open = () => (this.fd ??= fs.openSync(path.join(this.dir, this.fileName), 'w+'));
    const written = await this.place(params, (bytes, offset) => void fs.writeSync(open(), bytes, 0, bytes.length, offset), progress);
    if (written) fs.fsyncSync(open());
  }

  /** Closes the file. */
  async close(): Promise<void> {
    if (this.fd === undefined) return;
    const fs = await nodeFs();
    fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
