/**
 * The parts of checkpoint loading every family shares (Gemma's loader uses them too): checking
 * the stored tensors against what a config implies before reading any data, and converting
 * tensors one at a time into parameter values that are then bound into a structure of slots,
 * freeing everything converted so far if anything fails.
 */
import * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '@penjing/named-array';
import { bindParameters, type Layer } from '@penjing/layers';
import { CheckpointError, INDEX_FILE, firstNonFinite, makeProgressSink, type ProgressOption, type SafetensorsCheckpoint } from '@penjing/io';

/** One tensor a config implies. */
export interface ExpectedTensor {
  /** Full name in the checkpoint. */
  readonly name: string;
  readonly shape: readonly number[];
  /** The config keys that decide the shape, for messages. */
  readonly shapeFrom: string;
  /** Why the config needs it, for the missing-tensor message (default: "the config (<file>) needs it"). */
  readonly needed?: string;
}

/** The file to name for a tensor the checkpoint lacks: the index for sharded checkpoints. */
export function checkpointFileFor(ckpt: SafetensorsCheckpoint): string {
  return ckpt.files.length > 1 ? `${ckpt.path.replace(/\/$/, '')}/${INDEX_FILE}` : ckpt.files[0] ?? ckpt.path;
}

/**
 * Checks that the checkpoint holds every expected tensor with the implied shape and a float
 * dtype, and nothing else but what `ignore` accepts. Throws a CheckpointError naming the file,
 * the tensor and (for shapes) both shapes.
 *
 * @example checkCheckpointTensors(ckpt, expected, (n) => n.endsWith('.inv_freq'), 'config.json')
 */
export function checkCheckpointTensors(
  ckpt: SafetensorsCheckpoint, expected: readonly ExpectedTensor[], ignore: (name: string) => boolean, configFile: string,
): void {
  for (const t of expected) {
    if (!ckpt.has(t.name)) {
      throw new CheckpointError(checkpointFileFor(ckpt), `missing tensor; ${t.needed ?? `the config (${configFile}) needs it`}`, {
        tensor: t.name,
        fix: 'Check that every shard was downloaded and that config.json belongs to these weights.',
      });
    }
    const h = ckpt.header(t.name);
    if (h.shape.length !== t.shape.length || h.shape.some((s, i) => s !== t.shape[i])) {
      throw new CheckpointError(h.file, `shape [${h.shape.join(', ')}] disagrees with the config, which implies [${t.shape.join(', ')}] (${t.shapeFrom})`, {
        tensor: t.name,
        fix: `Check ${configFile}: it may belong to a different model size.`,
      });
    }
    if (!['F32', 'BF16', 'F16', 'F64'].includes(h.dtype)) {
      throw new CheckpointError(h.file, `dtype ${h.dtype} is not a float dtype`, {
        tensor: t.name,
        fix: 'Penjing loads F32, BF16 and F16 weights; quantized checkpoints are not supported.',
      });
    }
  }
  const names = new Set(expected.map((t) => t.name));
  const unexpected = ckpt.names.filter((n) => !names.has(n) && !ignore(n));
  if (unexpected.length) {
    const more = unexpected.length > 1 ? ` (and ${unexpected.length - 1} more: ${unexpected.slice(1, 4).map((n) => JSON.stringify(n)).join(', ')}${unexpected.length > 4 ? ', …' : ''})` : '';
    throw new CheckpointError(ckpt.header(unexpected[0]!).file, `unexpected tensor: the config (${configFile}) has no place for it${more}`, {
      tensor: unexpected[0],
      fix: 'config.json probably belongs to a different model (another family, layer count, bias or norm layout).',
    });
  }
}

/**
 * Reads the named tensors one at a time (with a progress bar), converts each into parameter
 * values by label, and binds them into `structure`. Everything converted is freed if reading,
 * converting or binding fails.
 *
 * @example const model = await bindCheckpoint(structure, ckpt, names, { progress, title: `Loading ${dir}` }, (name, t) => [[name, nx.wrap(t.clone(), 'out', 'in')]]);
 */
export async function bindCheckpoint<M extends Layer>(
  structure: M,
  ckpt: SafetensorsCheckpoint,
  names: readonly string[],
  options: { readonly progress?: ProgressOption; readonly title: string },
  convert: (name: string, t: tf.Tensor) => Iterable<readonly [string, NamedArray]>,
): Promise<M> {
  const values = new Map<string, NamedArray>();
  try {
    const total = names.reduce((s, n) => s + ckpt.header(n).byteLength, 0);
    const sink = await makeProgressSink(options.progress, total, options.title);
    try {
      for await (const [name, data] of ckpt.entries({ names, onProgress: sink.onProgress })) {
        const bad = firstNonFinite(data.data);
        if (bad >= 0) {
          throw new CheckpointError(ckpt.header(name).file, `element ${bad} is ${data.data[bad]}; a weight must be finite`, {
            tensor: name, fix: 'The checkpoint is corrupt (or training diverged); download or export it again.',
          });
        }
        const t = tf.tensor(data.data, [...data.shape], 'float32');
        try {
          for (const [label, value] of convert(name, t)) values.set(label, value);
        } finally {
          t.dispose();
        }
      }
    } finally {
      sink.stop();
    }
    return bindParameters(structure, values);
  } catch (e) {
    for (const v of values.values()) v.dispose();
    throw e;
  }
}
