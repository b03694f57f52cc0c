/**
 * Reading a Hugging Face `config.json`: finds it next to a checkpoint (the directory itself,
 * or the folder of a `.safetensors` or index file) and parses it, with errors that name the
 * file and say what to do. What the keys mean is the model family's business.
 */
import { stat } from 'node:fs/promises';
import { readTextFile, type FileError } from './files.js';
import { dirname, join } from 'node:path';
import { CheckpointError } from '../checkpoint-error.js';
import { CONFIG_FILE } from '../hf-files.js';

/**
 * The directory holding config.json: the path itself, or the folder of a `.safetensors` or index file.
 *
 * @example
 * await checkpointDir('models/gemma-3-270m/model.safetensors'); // 'models/gemma-3-270m'
 */
export async function checkpointDir(path: string): Promise<string> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch {
    throw new CheckpointError(path, 'no such file or directory', { fix: 'Check the path, or download the checkpoint.' });
  }
  return isDir ? path : dirname(path);
}

/**
 * Reads and parses the config.json of a checkpoint directory (or of the folder of a file in it).
 *
 * @example
 * const { json, file } = await readHfConfigJson('models/gemma-3-270m');
 * (json as { model_type: string }).model_type; // 'gemma3_text'
 */
export async function readHfConfigJson(path: string): Promise<{ json: unknown; file: string }> {
  const file = join(await checkpointDir(path), CONFIG_FILE);
  let text: string;
  try {
    text = await readTextFile(file);
  } catch (cause) {
    const e = cause as FileError;
    throw new CheckpointError(file, `cannot read the config (${e.code === 'ENOENT' ? 'ENOENT' : e.message})`, {
      fix: 'A Hugging Face checkpoint directory has a config.json next to its safetensors; or pass {config}.',
    });
  }
  try {
    return { json: JSON.parse(text), file };
  } catch (cause) {
    throw new CheckpointError(file, `not valid JSON (${(cause as Error).message})`, { fix: 'Download config.json again.' });
  }
}
