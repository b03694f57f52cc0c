/**
 * File names of a Hugging Face checkpoint directory. They are plain constants (no file
 * access), so browser code that fetches a checkpoint by URL uses the same names as the
 * Node reader.
 *
 * @example
 * const index = await (await fetch(`${base}/${INDEX_FILE}`)).json();
 */

/** The index file name Hugging Face uses for sharded safetensors checkpoints. */
export const INDEX_FILE = 'model.safetensors.index.json';
/** The file name Hugging Face uses for single-file safetensors checkpoints. */
export const SINGLE_FILE = 'model.safetensors';
/** The model configuration next to the weights. */
export const CONFIG_FILE = 'config.json';
