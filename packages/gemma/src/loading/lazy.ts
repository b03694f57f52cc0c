/**
 * `fromPretrained(dir, { weights: 'lazy' })`: puts a LazyParameter in every slot of the
 * model's structure, each pointing at its tensor in the checkpoint. No tensor data is read
 * and no tfjs tensor is made; a compiler (`jit`) reads the values when it needs them.
 */
import { formatNamedShape } from '@penjing/named-array';
import { LazyParameter, ParameterSlot, keyPathToString, mapParameterNodes, type KeyPath } from '@penjing/layers';
import { CheckpointError, nodeIo, type SafetensorsCheckpoint, type SafetensorsDtype } from '@penjing/io';
import type { WeightLayout } from './hf-layout.js';
import { SafetensorsLazySource, type FileStamp } from './lazy-source.js';

/**
 * Replaces the structure's slots by LazyParameters reading `byName`'s tensors from `ckpt`
 * (already checked against the config). Tied slots share one LazyParameter.
 *
 * @example const lazy = await bindLazily(structure, ckpt, byName);
 */
export async function bindLazily<M>(
  structure: M, ckpt: SafetensorsCheckpoint, byName: ReadonlyMap<string, WeightLayout>,
): Promise<M> {
  const stamps = new Map<string, FileStamp>();
  for (const file of ckpt.files) {
    const { size, mtimeMs } = await (await nodeIo('lazy weights')).fileStamp(file);
    stamps.set(file, { size, mtimeMs });
  }
  const byLabel = new Map<string, LazyParameter>();
  for (const [name, layout] of byName) {
    const h = ckpt.header(name);
    const source = new SafetensorsLazySource({
      file: h.file, tensor: name, storedDtype: h.dtype as SafetensorsDtype, layout, stamp: stamps.get(h.file)!,
    });
    byLabel.set(layout.label, new LazyParameter({ label: layout.label, namedShape: source.namedShape, source }));
  }
  const used = new Set<string>();
  const model = mapParameterNodes(structure, (node, path) => {
    if (!(node instanceof ParameterSlot)) return node;
    const lazy = byLabel.get(node.label);
    if (!lazy) throw mismatch(ckpt, `the model has a parameter '${node.label}' at ${at(path)} that no checkpoint tensor fills`);
    if (node.namedShape && !sameNamedShape(node.namedShape, lazy.namedShape!)) {
      throw mismatch(ckpt, `parameter '${node.label}' at ${at(path)} expects ${formatNamedShape(node.namedShape)}, ` +
        `but ${lazy.source.describe} lays out as ${formatNamedShape(lazy.namedShape!)}`);
    }
    used.add(node.label);
    return lazy;
  });
  const unused = [...byLabel.keys()].filter((l) => !used.has(l));
  if (unused.length) throw mismatch(ckpt, `no parameter of the model is labelled '${unused[0]}' (${unused.length} such)`);
  return model;
}

const sameNamedShape = (a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

const at = (path: KeyPath) => keyPathToString(path) || '(root)';

/** The layout table and the model structure disagree: a bug in Penjing, not in the checkpoint. */
function mismatch(ckpt: SafetensorsCheckpoint, what: string): CheckpointError {
  return new CheckpointError(ckpt.path, `${what}; the loader's layout table and GemmaTransformer disagree`, {
    fix: 'Please report this; meanwhile load without {weights: \'lazy\'}.',
  });
}
