// Classes 2, 4 (FIFOs), 5, 7 and 9 (EISDIR, ENOSPC): saves replace a checkpoint whole or not
// at all, never follow planted links, and every file-system failure names the file and the fix.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';
import { disposeTree, parameters } from '@penjing/layers';
import {
  createTempFile, FileError, INDEX_FILE, openSafetensors, readTextFile, SINGLE_FILE, writeFileAtomic, writeSafetensors,
} from '@penjing/io/node';
import { GemmaTransformer, saveSafetensors } from '@penjing/gemma';
import { main } from '@penjing/transformer/cli';
import { CHILD_PRELUDE, FIXTURES, fixtureCopy, runChild, tempDir } from './support.js';

let a: GemmaTransformer;
let b: GemmaTransformer;

beforeAll(async () => {
  await nx.ready();
  a = await GemmaTransformer.fromPretrained(join(FIXTURES, 'gemma3_text'), { quiet: true });
  b = GemmaTransformer.fromConfig(a.config, { seed: 7 });
});
afterAll(() => {
  disposeTree(a);
  disposeTree(b);
});

/** The embedding's first values: enough to tell two models apart. */
function fingerprint(m: GemmaTransformer): number[] {
  const p = parameters(m).find((x) => x.label.includes('embeddings'))!;
  return Array.from(p.parameter.value.data.dataSync().slice(0, 6));
}

async function loadedFingerprint(dir: string): Promise<number[]> {
  const m = await GemmaTransformer.fromPretrained(dir, { quiet: true });
  try {
    return fingerprint(m);
  } finally {
    disposeTree(m);
  }
}

const temporaries = async (dir: string) => (await readdir(dir)).filter((f) => f.endsWith('.tmp') || f.endsWith('.partial'));

describe('atomic checkpoint saves (class 2)', () => {
  it('a single-file save over a sharded one removes the stale index and shards', async () => {
    const dir = join(await tempDir(), 'ckpt');
    await saveSafetensors(a, dir, { maxShardBytes: 40_000, progress: false });
    expect((await readdir(dir)).filter((f) => f.startsWith('model-')).length).toBeGreaterThan(1);
    await saveSafetensors(b, dir, { progress: false });
    expect((await readdir(dir)).sort()).toEqual(['config.json', SINGLE_FILE]);
    expect(await loadedFingerprint(dir)).toEqual(fingerprint(b));
  });

  it('when an index and a single file are both present, the single file wins (as in transformers)', async () => {
    const dir = join(await tempDir(), 'both');
    const old = join(await tempDir(), 'old');
    await saveSafetensors(a, old, { maxShardBytes: 40_000, progress: false });
    await saveSafetensors(b, dir, { progress: false });
    for (const f of await readdir(old)) if (f.startsWith('model-') || f === INDEX_FILE) await copyFile(join(old, f), join(dir, f));
    expect(await loadedFingerprint(dir)).toEqual(fingerprint(b));
  });

  it('a sharded re-save that fails midway leaves the old checkpoint intact and no temporary files', async () => {
    const dir = join(await tempDir(), 'ckpt');
    await saveSafetensors(a, dir, { maxShardBytes: 40_000, progress: false });
    const before = (await readdir(dir)).sort();
    let calls = 0;
    const failing = () => {
      if (++calls === 3) throw new Error('interrupted');
    };
    await expect(saveSafetensors(b, dir, { maxShardBytes: 30_000, progress: failing })).rejects.toThrow('interrupted');
    expect((await readdir(dir)).sort()).toEqual(before);
    expect(await temporaries(dir)).toEqual([]);
    expect(await loadedFingerprint(dir)).toEqual(fingerprint(a));
  });

  it('a crash between shard renames (old index, one new shard) is refused at load, not loaded as a mixture', async () => {
    const dir = join(await tempDir(), 'ckpt');
    const other = join(await tempDir(), 'other');
    await saveSafetensors(a, dir, { maxShardBytes: 40_000, progress: false });
    await saveSafetensors(b, other, { maxShardBytes: 40_000, progress: false });
    const shard = (await readdir(dir)).find((f) => f.startsWith('model-00001'))!;
    await copyFile(join(other, shard), join(dir, shard));
    await expect(GemmaTransformer.fromPretrained(dir, { quiet: true })).rejects.toThrow(/written by another save than the index .* mixes two checkpoints/);
  });

  it('ENOSPC while writing: a clear error naming the file, and the old file untouched', async () => {
    const dir = await tempDir();
    const file = join(dir, 'w.safetensors');
    await writeSafetensors(file, { x: { dtype: 'F32', shape: [2], data: [1, 2] } });
    const full = () => {
      throw Object.assign(new Error('write failed'), { code: 'ENOSPC' });
    };
    const err = await writeSafetensors(file, { x: { dtype: 'F32', shape: [2], data: full } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileError);
    expect((err as FileError).message).toMatch(/w\.safetensors: cannot write the file: the disk is full \(ENOSPC\)\. Free some space .* nothing was replaced/);
    const f = await openSafetensors(file);
    expect(Array.from((await f.read('x')).data)).toEqual([1, 2]);
    await f.close();
    expect(await temporaries(dir)).toEqual([]);
  });
});

describe('links and special files (classes 4, 5, 9)', () => {
  it('a link planted at a temporary name is never followed; another name is used', async () => {
    const dir = await tempDir();
    const victim = join(dir, 'victim.txt');
    await writeFile(victim, 'precious');
    const planted = join(dir, 'planted.tmp');
    await symlink(victim, planted);
    const names = [planted, join(dir, 'fresh.tmp')];
    const { temp, handle } = await createTempFile(join(dir, 'out.json'), () => names.shift()!);
    await handle.writeFile('new');
    await handle.close();
    expect(temp).toBe(join(dir, 'fresh.tmp'));
    expect(await readFile(victim, 'utf8')).toBe('precious');
  });

  it('saving over a destination that is a link replaces the link, never writes through it', async () => {
    const dir = await tempDir();
    const victim = join(dir, 'victim.json');
    await writeFile(victim, 'precious');
    await symlink(victim, join(dir, 'config.json'));
    await symlink(victim, join(dir, 'model.safetensors.partial')); // the old fixed temporary name
    await saveSafetensors(a, dir, { progress: false });
    expect(await readFile(victim, 'utf8')).toBe('precious');
    expect(await loadedFingerprint(dir)).toEqual(fingerprint(a));
  });

  it('a directory where a file belongs is EISDIR, naming the file', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'config.json'));
    await expect(readTextFile(join(dir, 'config.json'))).rejects.toThrow(/config\.json: is a directory, not a regular file\. Point at the regular file/);
    await expect(openSafetensors(dir)).rejects.toThrow(/cannot open file \(is a directory, not a regular file/);
    const ckpt = await fixtureCopy('gemma3_text');
    const cfg = join(ckpt, 'config.json');
    await rm(cfg);
    await mkdir(cfg);
    await expect(GemmaTransformer.fromPretrained(ckpt, { quiet: true })).rejects.toThrow(/config\.json: cannot read the config \(.*is a directory, not a regular file/);
    // The atomic writer refuses a directory at the destination instead of renaming over it.
    await expect(writeFileAtomic(cfg, '{}')).rejects.toThrow(/config\.json: cannot move the finished file into place: is a directory, not a file \(EISDIR\)/);
    expect(await temporaries(ckpt)).toEqual([]);
  });

  it('FIFOs in place of checkpoint, config, tokenizer or adapter files fail at once (child process)', async () => {
    const dir = await fixtureCopy('gemma3_text');
    const fifoDir = await tempDir();
    for (const f of ['model.safetensors', 'config.json', 'tokenizer.json', 'adapter_config.json', 'index.json']) execFileSync('mkfifo', [join(fifoDir, f)]);
    const weights = join(await tempDir(), 'ckpt');
    execFileSync('cp', ['-r', dir, weights]);
    execFileSync('rm', [join(weights, 'model.safetensors')]);
    execFileSync('mkfifo', [join(weights, 'model.safetensors')]);
    const r = await runChild(`${CHILD_PRELUDE}
      const out = {};
      const timed = async (name, f) => { const t0 = Date.now(); out[name] = { ...(await attempt(f)), ms: Date.now() - t0 }; };
      await timed('safetensors', () => io.openSafetensors(${JSON.stringify(join(fifoDir, 'model.safetensors'))}));
      await timed('checkpoint', () => gemma.GemmaTransformer.fromPretrained(${JSON.stringify(weights)}, { quiet: true }));
      await timed('text', () => io.readTextFile(${JSON.stringify(join(fifoDir, 'config.json'))}));
      await timed('tokenizer', () => gemma.tokenizerFromFile(${JSON.stringify(fifoDir)}));
      await timed('adapter', () => gemma.loadLoraAdapters({ config: {} }, ${JSON.stringify(fifoDir)}));
      await timed('index', () => io.openCheckpoint(${JSON.stringify(join(fifoDir, 'index.json'))}));
      report(out);
    `, 30_000);
    expect(r.timedOut, r.stderr).toBe(false);
    const out = r.result as Record<string, { ok: boolean; message: string; ms: number }>;
    for (const [name, o] of Object.entries(out)) {
      expect(o.ok, name).toBe(false);
      expect(o.message, name).toMatch(/FIFO \(named pipe\), not a regular file/);
      expect(o.ms, name).toBeLessThan(2000);
    }
    expect(Object.keys(out).length).toBe(6);
  });
});

describe('penjing inspect --html (class 7)', () => {
  const run = async (argv: string[]) => {
    let out = '';
    let err = '';
    const status = await main(argv, { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } });
    return { status, out, err };
  };

  it('refuses to write inside the model directory (also through a link), before loading', async () => {
    const dir = await fixtureCopy('gemma3_text');
    const config = await readFile(join(dir, 'config.json'), 'utf8');
    const viaLink = join(await tempDir(), 'link');
    await symlink(dir, viaLink);
    for (const target of [join(dir, 'config.json'), dir, join(dir, 'sub', 'view.html'), join(viaLink, 'model.safetensors')]) {
      const r = await run(['inspect', '--model', dir, '--html', target, '--quiet']);
      expect(r.status).toBe(1);
      expect(r.err).toMatch(/refusing to write the HTML view to .*: it is inside the model directory/);
      expect(r.out).toBe('');
    }
    expect(await readFile(join(dir, 'config.json'), 'utf8')).toBe(config);
    expect(existsSync(join(dir, 'sub'))).toBe(false);
  });

  it('creates missing parent directories and writes atomically; a directory target is EISDIR', async () => {
    const dir = await fixtureCopy('gemma3_text');
    const outDir = join(await tempDir(), 'a', 'b');
    const r = await run(['inspect', '--model', dir, '--html', join(outDir, 'view.html'), '--quiet']);
    expect(r.status, r.err).toBe(0);
    expect(await readFile(join(outDir, 'view.html'), 'utf8')).toMatch(/^<!doctype html>/i);
    expect(await readdir(outDir)).toEqual(['view.html']);
    const bad = await run(['inspect', '--model', dir, '--html', outDir, '--quiet']);
    expect(bad.status).toBe(1);
    expect(bad.err).toMatch(/is a directory \(EISDIR\)\. Give a file name/);
  });
});
