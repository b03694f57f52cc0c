// Executes every examples/*.ipynb headlessly with the repository's Deno kernel
// (scripts/run_notebook.py on Debian's nbclient) and asserts on its outputs. Every notebook
// must finish with no error output; a notebook's own assertions live beside it in
// examples/checks/<notebook-basename>.check.ts, whose default export receives the run's
// summary and throws on failure (see examples/checks/lib.ts). Executed notebooks land in
// out/notebooks/ for inspection. Needs `npm run build` (Deno imports packages/*/dist).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { NotebookSummary } from '../examples/checks/lib.js';

export type { CellSummary, NotebookSummary } from '../examples/checks/lib.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const examples = fileURLToPath(new URL('../examples/', import.meta.url));
const checksDir = fileURLToPath(new URL('../examples/checks/', import.meta.url));
const python = '/usr/bin/python3';
// examples/*.ipynb and the Penzai tutorial ports in examples/penzai/ (checks in examples/checks/penzai/).
const ipynbIn = (dir: string, prefix = '') => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort().map((f) => prefix + f) : []);
const checksIn = (dir: string, prefix = '') => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.check.ts')).sort().map((f) => prefix + f) : []);
const notebooks = [...ipynbIn(examples), ...ipynbIn(`${examples}penzai/`, 'penzai/')];
const checkFiles = [...checksIn(checksDir), ...checksIn(`${checksDir}penzai/`, 'penzai/')];
const checkFileOf = (notebook: string) => `${notebook.replace(/\.ipynb$/, '')}.check.ts`;

async function runNotebook(name: string): Promise<NotebookSummary> {
  if (!existsSync(python)) {
    throw new Error(`${python} not found: run scripts/install-system-deps.sh (Debian's python3 with nbclient)`);
  }
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(python, ['scripts/run_notebook.py', `examples/${name}`], {
      cwd: root,
      maxBuffer: 64 << 20,
      timeout: 600_000,
    }));
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string; message: string };
    if (err.code === 1 && err.stdout) {
      stdout = err.stdout; // errors inside the notebook: the summary says which
    } else {
      throw new Error(
        `run_notebook.py ${name} failed (${err.message}).\n--- stderr\n${err.stderr ?? ''}\n` +
          'If nbclient is missing, run: bash scripts/install-system-deps.sh',
      );
    }
  }
  const lastLine = stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(lastLine) as NotebookSummary;
}

/** The notebook's check function, or undefined when it has no check file. */
async function loadCheck(name: string): Promise<((s: NotebookSummary) => void) | undefined> {
  const file = checkFileOf(name);
  if (!checkFiles.includes(file)) return undefined;
  const mod = (await import(pathToFileURL(`${checksDir}${file}`).href)) as { default?: unknown };
  if (typeof mod.default !== 'function') {
    throw new Error(`examples/checks/${file} must export a default function check(summary) that throws on failure`);
  }
  return mod.default as (s: NotebookSummary) => void;
}

describe('notebooks', () => {
  it('examples/ has notebooks, and every check file belongs to one', () => {
    expect(notebooks.length).toBeGreaterThan(0);
    for (const f of checkFiles) {
      expect(notebooks.map(checkFileOf), `examples/checks/${f} names no notebook in examples/`).toContain(f);
    }
  });

  for (const name of notebooks) {
    it(`${name} runs top to bottom with no error output${checkFiles.includes(checkFileOf(name)) ? ', and passes its check' : ''}`, { timeout: 660_000 }, async () => {
      const check = await loadCheck(name);
      const summary = await runNotebook(name);
      let errors = summary.errors.map((e) => `cell ${e.cell}: ${e.ename}: ${e.evalue}`).join('\n');
      if (/packages\/[^/]+\/dist|ERR_MODULE_NOT_FOUND/.test(errors)) {
        errors += '\n(notebooks import @penjing/* from packages/*/dist: run `npm run build` first)';
      }
      expect(summary.errors, `errors in ${name} (executed copy: ${summary.executed}):\n${errors}`).toEqual([]);
      // The stored notebook on disk matches the summary.
      const executed = JSON.parse(readFileSync(summary.executed, 'utf8'));
      expect(executed.cells.length).toBeGreaterThan(0);
      console.log(`${name}: ${summary.seconds.toFixed(1)} s`);
      if (check) {
        try {
          check(summary);
        } catch (e) {
          throw new Error(`examples/checks/${checkFileOf(name)} failed for ${name} (executed copy: ${summary.executed}): ${(e as Error).message}`, { cause: e });
        }
      }
    });
  }
});
