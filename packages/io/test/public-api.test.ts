/**
 * The public runtime names of @penjing/io, listed by hand: adding, removing or renaming an export
 * must change this list too, so API changes are deliberate. (Types are erased at run time; the
 * build's type tests and the README checks cover them.)
 */
import { describe, expect, it } from 'vitest';
import * as io from '@penjing/io';
import * as ioNode from '@penjing/io/node';

const MAIN = [
    'CONFIG_FILE', 'CheckpointError', 'DTYPE_SIZE', 'INDEX_FILE', 'MAX_HEADER_BYTES', 'SINGLE_FILE',
    'SafetensorsError', 'UNSUPPORTED_DTYPES', 'decodeInto', 'encodeInto', 'headerLength', 'isFloatDtype',
    'isSupportedDtype', 'parseHeader', 'firstNonFinite', 'SAVE_ID_KEY',
    // Loading from anywhere (issue 17): byte sources, folders, checkpoints, the dispatcher.
    'blobSource', 'bytesSource', 'urlSource', 'openSafetensorsSource', 'indexedCheckpoint', 'parseIndex',
    'singleFileCheckpoint', 'directoryHandleFolder', 'filesFolder', 'openFolderCheckpoint', 'urlFolder',
    'folderOf', 'hasFileSystem', 'isPretrainedSource', 'nodeIo', 'openPretrained', 'parseConfig', 'readPretrainedConfig', 'requireConfig', 'makeProgressSink', 'AUTO_PROGRESS_BYTES',
];
const NODE_ONLY = [
    'checkpointDir', 'fileStamp', 'terminalBar', 'diskFolder', 'openCheckpoint', 'openSafetensors', 'progressSink',
    'readHfConfigJson', 'writeSafetensors', 'writeShardedSafetensors',
    'commitRenames', 'createTempFile', 'FileError', 'MAX_TEXT_FILE_BYTES', 'openRegularFile', 'readTextFile', 'writeFileAtomic'
];

describe('@penjing/io public API', () => {
  it('the browser-safe entry exports exactly these names', () => {
    expect(Object.keys(io).sort()).toEqual([...MAIN].sort());
  });

  it('@penjing/io/node adds file access to the same names (the same objects)', () => {
    expect(Object.keys(ioNode).sort()).toEqual([...MAIN, ...NODE_ONLY].sort());
    for (const n of MAIN) expect(ioNode[n as keyof typeof ioNode], n).toBe(io[n as keyof typeof io]);
  });
});
