/**
 * A checkpoint directory on disk as a {@link CheckpointFolder}, so the loaders read config.json
 * and tokenizer files the same way for paths, URLs and files from a page.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointFolder } from '../source/folder.js';
import type { ByteSource } from '../source/byte-source.js';
import { checkpointDir } from './hf-config.js';
import { openRegularFile, readTextFile, type FileError } from './files.js';

/**
 * The directory a path names (or the folder of a file in it).
 * @example const folder = await diskFolder('models/gemma-3-270m');
 */
export async function diskFolder(path: string): Promise<CheckpointFolder> {
  const dir = await checkpointDir(path);
  const missing = (e: unknown) => (e as FileError).code === 'ENOENT';
  return {
    label: dir,
    list: async () => readdir(dir),
    text: async (name) => {
      try {
        return await readTextFile(join(dir, name));
      } catch (e) {
        if (missing(e)) return undefined;
        throw e;
      }
    },
    source: async (name): Promise<ByteSource | undefined> => {
      const file = join(dir, name);
      let size: number;
      try {
        size = (await stat(file)).size;
      } catch (e) {
        if (missing(e)) return undefined;
        throw e;
      }
      const handle = await openRegularFile(file);
      return {
        name: file,
        size,
        read: async (offset, length) => {
          const buf = new Uint8Array(length);
          let done = 0;
          while (done < length) {
            const { bytesRead } = await handle.read(buf, done, length - done, offset + done);
            if (bytesRead === 0) throw new Error(`${file}: file ended after ${offset + done} bytes`);
            done += bytesRead;
          }
          return buf;
        },
        close: () => handle.close(),
      };
    },
  };
}
