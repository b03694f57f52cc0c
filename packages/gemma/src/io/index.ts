/** Safetensors reading and writing (single files, shards, progress), independent of tfjs. */
export { SafetensorsError } from './errors.js';
export {
  DTYPE_SIZE, firstNonFinite, isFloatDtype, UNSUPPORTED_DTYPES,
  type SafetensorsDtype, type TensorArray, type WritableDtype,
} from './dtypes.js';
export { MAX_HEADER_BYTES, type TensorInfo } from './header.js';
export type { Progress, ProgressCallback } from './progress.js';
export { openSafetensors, type ReadOptions, type SafetensorsFile, type TensorData } from './reader.js';
export {
  INDEX_FILE, openCheckpoint, SINGLE_FILE, type ReadManyOptions, type SafetensorsCheckpoint,
} from './checkpoint.js';
export {
  writeSafetensors, writeShardedSafetensors,
  type ShardedWriteOptions, type ShardedWriteResult, type TensorSource, type TensorsToWrite, type TensorToWrite, type WriteOptions,
} from './writer.js';
export {
  createTempFile, FileError, fileError, openRegularFile, readTextFile, writeFileAtomic, MAX_TEXT_FILE_BYTES,
} from './files.js';
export { SAVE_ID_KEY } from './save-id.js';
