/**
 * A checkpoint = one safetensors file or several shards tied together by
 * `model.safetensors.index.json`. This module opens either behind one interface that
 * lists every tensor and reads any of them by name.
 */
import { readdir, stat } from 'node:fs/promises';
import { readTextFile } from './files.js';
import { dirname, join } from 'node:path';
import { SafetensorsError } from '../errors.js';
import { INDEX_FILE, SINGLE_FILE } from '../hf-files.js';
import { indexedCheckpoint, singleFileCheckpoint, type ReadManyOptions, type SafetensorsCheckpoint } from '../checkpoint.js';
import { openSafetensors } from './reader.js';


export type { ReadManyOptions, SafetensorsCheckpoint };

/**
 * Opens a checkpoint: a directory (with `model.safetensors`, else `model.safetensors.index.json`,
 * else exactly one `*.safetensors` file), a `.safetensors` file, or an index file. Every
 * shard is opened once, up front, so a missing shard or a tensor the index promises but
 * the shard lacks is reported before anything is loaded.
 *
 * @example
 * const ckpt = await openCheckpoint('path/to/gemma-3-1b-it');
 * for await (const [name, t] of ckpt.entries({ onProgress: (p) => bar.update(p.bytesDone) })) {
 *   params.set(name, tf.tensor(t.data, [...t.shape]));
 * }
 * await ckpt.close();
 */
export async function openCheckpoint(path: string): Promise<SafetensorsCheckpoint> {
  const kind = await statKind(path);
  if (kind === 'missing') {
    throw new SafetensorsError(path, 'no such file or directory', { fix: 'Check the path, or download the checkpoint.' });
  }
  if (kind === 'dir') {
    const entries = await readdir(path);
    // As in transformers, a single file wins over an index: a save removes the other kind
    // afterwards, so if both are present the single file is the newer (or only complete) one.
    if (entries.includes(SINGLE_FILE)) return openSingle(join(path, SINGLE_FILE), path);
    if (entries.includes(INDEX_FILE)) return openIndexed(join(path, INDEX_FILE), path);
    const candidates = entries.filter((e) => e.endsWith('.safetensors')).sort();
    if (candidates.length === 1) return openSingle(join(path, candidates[0]), path);
    throw new SafetensorsError(path,
      candidates.length === 0
        ? `directory has no ${INDEX_FILE}, no ${SINGLE_FILE} and no other .safetensors file`
        : `directory has ${candidates.length} .safetensors files (${candidates.join(', ')}) but no ${INDEX_FILE} to say how they fit together`,
      { fix: 'Point at the checkpoint directory that Hugging Face downloaded, or at one .safetensors file.' });
  }
  if (path.endsWith('.json')) return openIndexed(path, path);
  return openSingle(path, path);
}

async function statKind(path: string): Promise<'dir' | 'file' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

async function openSingle(file: string, opened: string): Promise<SafetensorsCheckpoint> {
  return singleFileCheckpoint(await openSafetensors(file), opened);
}

async function openIndexed(indexFile: string, opened: string): Promise<SafetensorsCheckpoint> {
  let text: string;
  try {
    text = await readTextFile(indexFile);
  } catch (cause) {
    throw new SafetensorsError(indexFile, `cannot read the index file (${(cause as Error).message})`, { cause, fix: 'Check the path.' });
  }
  const dir = dirname(indexFile);
  return indexedCheckpoint(indexFile, text, dir, async (shard) => {
    const shardPath = join(dir, shard);
    return (await statKind(shardPath)) === 'file' ? openSafetensors(shardPath) : undefined;
  }, opened);
}
