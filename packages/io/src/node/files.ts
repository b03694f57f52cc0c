/**
 * The one place Penjing touches the file system for reading and writing whole files, so every
 * file is read and written the same careful way:
 *
 * - reads open regular files only, without blocking: a FIFO, socket or device put where a
 *   checkpoint file belongs is an error at once, never a hang;
 * - writes go to a fresh temporary file in the destination's own directory, created
 *   exclusively (`O_CREAT|O_EXCL|O_NOFOLLOW`, so a link planted at the temporary name is never
 *   followed), flushed, and renamed over the destination: a reader sees the old file or the
 *   new one, never half of one;
 * - system errors (ENOENT, EISDIR, ENOSPC, EACCES, ...) become one {@link FileError} that names
 *   the file, says what happened in words and what to do.
 */
import { constants, type Stats } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/** A file-system failure, naming the file, the system code and the fix. */
export class FileError extends Error {
  override readonly name = 'FileError';
  /** The file concerned. */
  readonly file: string;
  /** The system error code (ENOENT, EISDIR, ENOSPC, ...), or a Penjing one (ENOTREG). */
  readonly code: string | undefined;

  constructor(file: string, problem: string, options: { code?: string; fix?: string; cause?: unknown } = {}) {
    super(`${file}: ${problem}.${options.fix ? ` ${options.fix}` : ''}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.file = file;
    this.code = options.code;
  }
}

/** Plain-language explanations of the system errors users meet, with the fix. */
const EXPLAIN: Record<string, [string, string]> = {
  ENOENT: ['no such file or directory', 'Check the path.'],
  EISDIR: ['is a directory, not a file', 'Pass a file path, not a directory.'],
  ENOTDIR: ['a part of the path is not a directory', 'Check the path.'],
  ENOSPC: ['the disk is full', 'Free some space (or write elsewhere) and try again; nothing was replaced.'],
  EDQUOT: ['the disk quota is exhausted', 'Free some space (or write elsewhere) and try again; nothing was replaced.'],
  EACCES: ['permission denied', 'Check the file permissions, or choose another path.'],
  EPERM: ['operation not permitted', 'Check the file permissions, or choose another path.'],
  EROFS: ['the file system is read-only', 'Choose a writable location.'],
  EMFILE: ['too many open files', 'Close other files or raise the limit (ulimit -n).'],
  ELOOP: ['too many symbolic links (or a link where none is allowed)', 'Replace the link by a real file.'],
};

/**
 * Turns a Node file-system error into a {@link FileError} naming `file` and what `doing` failed.
 *
 * @example
 * try { await readFile(p); } catch (e) { throw fileError(p, 'cannot read', e); }
 */
export function fileError(file: string, doing: string, cause: unknown): FileError {
  if (cause instanceof FileError) return cause;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const known = code ? EXPLAIN[code] : undefined;
  const what = known ? `${known[0]} (${code})` : code ? code : (cause as Error)?.message ?? String(cause);
  return new FileError(file, `${doing}: ${what}`, { code, fix: known?.[1], cause });
}

function describeKind(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * Opens an existing regular file for reading. Non-blocking open, then a check on the open
 * handle: a FIFO or device never blocks the process, a directory is a clear EISDIR error.
 *
 * @example
 * const handle = await openRegularFile('model.safetensors');
 */
export async function openRegularFile(path: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (cause) {
    throw fileError(path, 'cannot open the file', cause);
  }
  let s: Stats;
  try {
    s = await handle.stat();
  } catch (cause) {
    await handle.close();
    throw fileError(path, 'cannot read the file status', cause);
  }
  if (!s.isFile()) {
    await handle.close();
    const kind = describeKind(s);
    throw new FileError(path, `is ${kind}, not a regular file`, {
      code: s.isDirectory() ? 'EISDIR' : 'ENOTREG', fix: 'Point at the regular file itself (a real file, not a pipe, device or directory).',
    });
  }
  return handle;
}

/** Largest text file read whole (JSON configs, tokenizers, indexes): far above any real one. */
export const MAX_TEXT_FILE_BYTES = 512 * 1024 * 1024;

/**
 * Reads a whole regular file as UTF-8 text, refusing FIFOs, devices, directories and files
 * larger than `maxBytes`.
 *
 * @example
 * const config = JSON.parse(await readTextFile('ckpt/config.json'));
 */
export async function readTextFile(path: string, maxBytes = MAX_TEXT_FILE_BYTES): Promise<string> {
  const handle = await openRegularFile(path);
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) {
      throw new FileError(path, `is ${size} bytes, more than the ${maxBytes}-byte limit for a text file`, {
        code: 'EFBIG', fix: 'This is not the JSON file expected here; check the path.',
      });
    }
    return await handle.readFile({ encoding: 'utf8' });
  } catch (cause) {
    throw fileError(path, 'cannot read the file', cause);
  } finally {
    await handle.close();
  }
}

/** Write flags of a temporary file: created new (never an existing file or link), never through a link. */
const EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

/** A random temporary name for `path`, in its directory. */
const randomTempName = (path: string) => join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);

/**
 * A fresh temporary file beside `path`, opened exclusively; on a name that is taken (by a file
 * or a planted link, which is never followed) it tries another. `nextName` is for tests.
 *
 * @example const { temp, handle } = await createTempFile('out/model.safetensors');
 */
export async function createTempFile(path: string, nextName: (path: string) => string = randomTempName): Promise<{ temp: string; handle: FileHandle }> {
  for (let attempt = 0; ; attempt++) {
    const temp = nextName(path);
    try {
      return { temp, handle: await open(temp, EXCLUSIVE, 0o644) };
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      // EEXIST: something (maybe a planted link) holds the name; pick another, never touch it.
      if ((code === 'EEXIST' || code === 'ELOOP') && attempt < 8) continue;
      throw fileError(path, 'cannot create a temporary file to write', cause);
    }
  }
}

/** Writes into an exclusively created temporary file, by a callback. */
export type FileFiller = (handle: FileHandle) => Promise<void>;

/**
 * Writes a file atomically: into a fresh, exclusively created temporary file in the same
 * directory (created with its parents if missing), flushed to disk, then renamed over `path`.
 * On any failure the temporary file is removed and the old `path` (if any) is untouched.
 * `content` is the file's text or bytes, or a function that writes them to the handle.
 * `commit: false` leaves the finished temporary file in place and returns its name, for
 * callers that rename several files together (see {@link commitRenames}).
 *
 * @example
 * await writeFileAtomic('out/config.json', JSON.stringify(config, null, 2) + '\n');
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array | FileFiller): Promise<void> {
  const temp = await writeTempFile(path, content);
  await commitRenames([[temp, path]]);
}

/**
 * The first half of {@link writeFileAtomic}: the complete, flushed temporary file beside `path`.
 * The caller renames it (or removes it) with {@link commitRenames} / {@link removeQuietly}.
 *
 * @example
 * const temp = await writeTempFile('dir/model.safetensors', bytes);
 * await commitRenames([[temp, 'dir/model.safetensors']]);
 */
export async function writeTempFile(path: string, content: string | Uint8Array | FileFiller): Promise<string> {
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (cause) {
    throw fileError(dirname(path), 'cannot create the directory', cause);
  }
  const { temp, handle } = await createTempFile(path);
  try {
    try {
      if (typeof content === 'function') await content(handle);
      else await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (cause) {
    await removeQuietly(temp);
    // System errors get a plain explanation; the filler's own errors (bad data) pass as they are.
    throw (cause as NodeJS.ErrnoException)?.code ? fileError(path, 'cannot write the file', cause) : cause;
  }
  return temp;
}

/**
 * Renames each finished temporary file over its destination, in order. A rename replaces a
 * link at the destination by the file (it never writes through the link). If one fails, the
 * temporary files not yet renamed are removed.
 *
 * @example
 * await commitRenames([[tempShard, 'dir/model-00001-of-00002.safetensors'], [tempIndex, 'dir/model.safetensors.index.json']]);
 */
export async function commitRenames(pairs: readonly (readonly [string, string])[]): Promise<void> {
  for (let i = 0; i < pairs.length; i++) {
    const [temp, dest] = pairs[i]!;
    try {
      await rename(temp, dest);
    } catch (cause) {
      await Promise.all(pairs.slice(i).map(([t]) => removeQuietly(t)));
      throw fileError(dest, 'cannot move the finished file into place', cause);
    }
  }
}

/** Removes a file if it exists, ignoring failures (clean-up paths only). */
export async function removeQuietly(path: string): Promise<void> {
  await rm(path, { force: true }).catch(() => undefined);
}

/**
 * Size and modification time of a file: what says whether it changed since it was read.
 * @example const { size, mtimeMs } = await fileStamp('model.safetensors');
 */
export async function fileStamp(path: string): Promise<{ size: number; mtimeMs: number }> {
  const { size, mtimeMs } = await stat(path);
  return { size, mtimeMs };
}
