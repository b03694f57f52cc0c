/**
 * @penjing/io/node — safetensors files and Hugging Face checkpoint directories on disk
 * (Node and Deno): lazy reading of single files and shards, atomic writing, config.json
 * and a terminal progress bar. Re-exports the browser-safe entry too.
 *
 * @example
 * import { openCheckpoint } from '@penjing/io/node';
 * const ckpt = await openCheckpoint('models/gemma-3-270m');
 * try { for await (const [name, t] of ckpt.entries()) console.log(name, t.shape); } finally { await ckpt.close(); }
 */
export * from './index.js';
export { openSafetensors } from './node/reader.js';
export { diskFolder } from './node/disk-folder.js';
export { openCheckpoint } from './node/checkpoint.js';
export {
  writeSafetensors, writeShardedSafetensors,
  type ShardedWriteOptions, type ShardedWriteResult, type TensorSource, type TensorsToWrite, type TensorToWrite, type WriteOptions,
} from './node/writer.js';
export { checkpointDir, readHfConfigJson } from './node/hf-config.js';
export { progressSink, terminalBar } from './node/progress-bar.js';
export {
  commitRenames, createTempFile, FileError, fileStamp, MAX_TEXT_FILE_BYTES, openRegularFile, readTextFile, writeFileAtomic, type FileFiller,
} from './node/files.js';
