/**
 * @penjing/io — safetensors and Hugging Face checkpoint formats, independent of tfjs.
 * This entry is browser-safe (no Node modules are reachable from it): header parsing,
 * dtype decoding and encoding, errors and the file names of a checkpoint directory.
 * Reading and writing files on disk is on the Node subpath, `@penjing/io/node`.
 *
 * @example
 * import { parseHeader, headerLength } from '@penjing/io';
 * const n = headerLength(bytes.subarray(0, 8), bytes.length, 'model.safetensors');
 * const { tensors } = parseHeader(bytes.subarray(8, 8 + n), bytes.length, 'model.safetensors');
 */
export { SafetensorsError } from './errors.js';
export { CheckpointError } from './checkpoint-error.js';
export {
  DTYPE_SIZE, firstNonFinite, isFloatDtype, isSupportedDtype, UNSUPPORTED_DTYPES, decodeInto, encodeInto,
  type SafetensorsDtype, type TensorArray, type WritableDtype,
} from './dtypes.js';
export { MAX_HEADER_BYTES, headerLength, parseHeader, type ParsedHeader, type TensorInfo } from './header.js';
export { AUTO_PROGRESS_BYTES, makeProgressSink, type Progress, type ProgressCallback, type ProgressOption, type ProgressSink } from './progress.js';
export { indexedCheckpoint, parseIndex, singleFileCheckpoint, type ReadManyOptions, type SafetensorsCheckpoint } from './checkpoint.js';
export { blobSource, bytesSource, urlSource, type ByteSource, type UrlSourceOptions } from './source/byte-source.js';
export { openSafetensorsSource, type ReadOptions, type SafetensorsFile, type TensorData } from './source/safetensors-source.js';
export {
  directoryHandleFolder, filesFolder, openFolderCheckpoint, urlFolder, type CheckpointFolder, type DirectoryHandleLike,
} from './source/folder.js';
export {
  folderOf, hasFileSystem, isPretrainedSource, nodeIo, openPretrained, parseConfig, readPretrainedConfig, requireConfig,
  type BytesCheckpoint, type OpenedPretrained, type PretrainedSource,
} from './source/pretrained.js';
export { CONFIG_FILE, INDEX_FILE, SINGLE_FILE } from './hf-files.js';
export { SAVE_ID_KEY } from './save-id.js';
