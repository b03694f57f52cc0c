// Helpers of the reliability suite: risky cases (possible hangs, crashes, heap exhaustion) run
// in a child Node process with a timeout, so a regression fails its test instead of stalling
// or killing the run; fixture checkpoints are copied to temporary directories and edited there.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = join(REPO_ROOT, 'tests', 'fixtures', 'gemma');

/** What a child process did. */
export interface ChildResult {
  /** Exit status (null when killed). */
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly ms: number;
  /** The last line of stdout parsed as JSON, when it is JSON. */
  readonly result: unknown;
}

/**
 * Runs an ES module `source` with Node in the repository root (so `@penjing/*` resolves to the
 * built packages), killing it after `timeoutMs`. The child reports by printing one JSON line.
 * Child processes use the build in packages/*\/dist (`npm test` builds first).
 */
export function runChild(source: string, timeoutMs: number, options: { args?: readonly string[] } = {}): Promise<ChildResult> {
  if (!existsSync(join(REPO_ROOT, 'packages', 'gemma', 'dist', 'index.js'))) {
    throw new Error('The reliability suite runs risky cases against the built packages; run `npm run build` first.');
  }
  return new Promise((done) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', source, ...(options.args ?? [])], {
      cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').at(-1) ?? '';
      let result: unknown;
      try {
        result = JSON.parse(last);
      } catch {
        result = undefined;
      }
      done({ status, signal, stdout, stderr, timedOut, ms: Date.now() - started, result });
    });
  });
}

/** A temporary directory for one test. */
export function tempDir(prefix = 'penjing-reliab-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/**
 * A copy of a fixture checkpoint, with config.json edited by `edit` (if given).
 * @example const dir = await fixtureCopy('gemma3_text', (c) => { c.num_hidden_layers = 1e9; });
 */
export async function fixtureCopy(name: string, edit?: (config: Record<string, unknown>) => void): Promise<string> {
  const dir = join(await tempDir(), name);
  await cp(join(FIXTURES, name), dir, { recursive: true, filter: (src) => !src.endsWith('flax_params.safetensors') && !src.endsWith('reference.json') });
  if (edit) {
    const file = join(dir, 'config.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    edit(config);
    await writeFile(file, JSON.stringify(config));
  }
  return dir;
}

/** The preamble of a child script: the packages, a ready backend and JSON reporting. */
export const CHILD_PRELUDE = `
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import * as gemma from '@penjing/gemma';
import * as io from '@penjing/io/node';
import * as transformer from '@penjing/transformer';
await nx.ready();
const report = (x) => console.log(JSON.stringify(x));
const attempt = async (f) => { try { const v = await f(); return { ok: true, value: v }; } catch (e) { return { ok: false, name: e?.name, message: String(e?.message ?? e) }; } };
`;
