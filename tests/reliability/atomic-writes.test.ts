// Every file the project writes goes through @penjing/io/node's one atomic helper
// (writeFileAtomic / writeTempFile + rename): a source file that writes any other way fails here.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support.js';

/** The one module allowed to call the raw write primitives. */
const HELPER = 'packages/io/src/node/files.ts';
/** Build tooling that edits files in place before the packages exist (not project output). */
const TOOLING = new Set(['scripts/add-self-types.mjs', 'scripts/complete-lockfile.mjs', 'scripts/package-metadata.mjs']);
/** Scratch files only their own process reads: wasm thread workers' scripts (a fresh mkdtemp directory), the bundle bench's entry files under out/. */
const SCRATCH = new Set(['packages/named-array/src/wasm-threads.ts', 'bench/bundle.bench.mjs']);
const RAW_WRITE = /\b(writeFileSync|writeFile|appendFileSync|appendFile|createWriteStream|renameSync|rename)\s*\(|\bopen(?:Sync)?\s*\([^)]*['"](?:w|a|r\+)/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name === 'generated') return [];
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|mjs|js)$/.test(name) ? [path] : [];
  });
}

describe('one atomic write helper', () => {
  it('no package source or script writes files except through it', () => {
    const files = [...readdirSync(join(REPO_ROOT, 'packages')).flatMap((p) => sources(join(REPO_ROOT, 'packages', p, 'src'))), ...sources(join(REPO_ROOT, 'scripts')), ...sources(join(REPO_ROOT, 'bench'))];
    const offenders: string[] = [];
    for (const file of files) {
      const rel = relative(REPO_ROOT, file);
      if (rel === HELPER || TOOLING.has(rel) || SCRATCH.has(rel)) continue;
      readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '');
        if (/^\s*\*/.test(code) || /@example/.test(line)) return;
        if (RAW_WRITE.test(code) && !/writeFileAtomic\s*\(/.test(code)) offenders.push(`${rel}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(files.length).toBeGreaterThan(100);
    expect(offenders).toEqual([]);
  });
});
