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

export class WeightFile {
  readonly locations = new Map<string, WeightLocation>();
  private end = 0;
  private fd: number | undefined;
  constructor(
    readonly dir: string,
    readonly fileName = 'weights.bin',
  ) {}

  /** Writes every parameter not yet in the file. @example await file.add(trace.graph.params) */
  async add(params: ReadonlyMap<string, ParamSource>, progress?: WeightProgress): Promise<void> {
    const fs = await nodeFs();
    const path = await nodePath();
    const missing = [...params].filter(([label]) => !this.locations.has(label));
    if (!missing.length) return;
    this.fd ??= fs.openSync(path.join(this.dir, this.fileName), 'w+');
    let done = 0;
    for (const [label, source] of missing) {
      const values = source.kind === 'tensor' ? (source.tensor.dataSync() as Float32Array | Int32Array) : await source.read();
      const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
      const offset = Math.ceil(this.end / ALIGN) * ALIGN;
      fs.writeSync(this.fd, bytes, 0, bytes.length, offset);
      this.end = offset + bytes.length;
      this.locations.set(label, { file: this.fileName, offset, length: bytes.length });
      done++;
      progress?.(done, missing.length, label);
    }
    fs.fsyncSync(this.fd);
  }

  /** Where a parameter is. @example file.locate('embedder.input_embedding') */
  locate(label: string): WeightLocation {
    const l = this.locations.get(label);
    if (!l) throw new Error(`jit: parameter '${label}' was not written to the weights file.`);
    return l;
  }

  /** Closes the file. */
  async close(): Promise<void> {
    if (this.fd === undefined) return;
    const fs = await nodeFs();
    fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
