// The file helpers every write and whole-file read goes through (see src/node/files.ts).
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTempFile, FileError, openRegularFile, readTextFile, writeFileAtomic } from '@penjing/io/node';

const scratch = () => mkdtemp(join(tmpdir(), 'penjing-io-files-'));

describe('writeFileAtomic', () => {
  it('writes text or bytes, creating missing parents, and leaves no temporary file', async () => {
    const dir = await scratch();
    await writeFileAtomic(join(dir, 'a', 'b', 'x.json'), '{"a":1}\n');
    await writeFileAtomic(join(dir, 'y.bin'), new Uint8Array([1, 2, 3]));
    expect(await readFile(join(dir, 'a', 'b', 'x.json'), 'utf8')).toBe('{"a":1}\n');
    expect([...(await readFile(join(dir, 'y.bin')))]).toEqual([1, 2, 3]);
    expect((await readdir(dir)).sort()).toEqual(['a', 'y.bin']);
  });

  it('on failure keeps the old file and removes its temporary file', async () => {
    const dir = await scratch();
    const file = join(dir, 'x.txt');
    await writeFileAtomic(file, 'old');
    await expect(writeFileAtomic(file, async (h) => {
      await h.writeFile('partial');
      throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
    })).rejects.toThrow(/x\.txt: cannot write the file: the disk is full \(ENOSPC\)/);
    expect(await readFile(file, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['x.txt']);
  });

  it('replaces a link at the destination instead of writing through it', async () => {
    const dir = await scratch();
    await writeFile(join(dir, 'target'), 'keep');
    await symlink(join(dir, 'target'), join(dir, 'link'));
    await writeFileAtomic(join(dir, 'link'), 'new');
    expect(await readFile(join(dir, 'target'), 'utf8')).toBe('keep');
    expect(await readFile(join(dir, 'link'), 'utf8')).toBe('new');
  });

  it('createTempFile never opens an existing name or follows a link there', async () => {
    const dir = await scratch();
    await writeFile(join(dir, 'target'), 'keep');
    await symlink(join(dir, 'target'), join(dir, 'taken'));
    await writeFile(join(dir, 'also-taken'), 'x');
    const names = [join(dir, 'taken'), join(dir, 'also-taken'), join(dir, 'free')];
    const { temp, handle } = await createTempFile(join(dir, 'out'), () => names.shift()!);
    await handle.close();
    expect(temp).toBe(join(dir, 'free'));
    expect(await readFile(join(dir, 'target'), 'utf8')).toBe('keep');
  });
});

describe('reading regular files only', () => {
  it('a FIFO, a directory or a missing file is a FileError naming the file, at once', async () => {
    const dir = await scratch();
    execFileSync('mkfifo', [join(dir, 'pipe')]);
    await mkdir(join(dir, 'sub'));
    const started = Date.now();
    await expect(openRegularFile(join(dir, 'pipe'))).rejects.toThrow(/pipe: is a FIFO \(named pipe\), not a regular file/);
    await expect(readTextFile(join(dir, 'sub'))).rejects.toThrow(/sub: is a directory, not a regular file/);
    const missing = await readTextFile(join(dir, 'none.json')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(FileError);
    expect((missing as FileError).code).toBe('ENOENT');
    expect((missing as FileError).message).toMatch(/none\.json: cannot open the file: no such file or directory \(ENOENT\)\. Check the path\./);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a text file larger than the limit is refused before it is read', async () => {
    const dir = await scratch();
    await writeFile(join(dir, 'big.json'), 'x'.repeat(100));
    await expect(readTextFile(join(dir, 'big.json'), 10)).rejects.toThrow(/big\.json: is 100 bytes, more than the 10-byte limit/);
  });
});
