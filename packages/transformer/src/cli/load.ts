/**
 * Loading a checkpoint directory for a CLI command: the directory is checked first (so a
 * typo gets a one-line answer, not a stack trace), then the model loads with a progress bar
 * on a terminal, or start and end lines when stderr is a file or a pipe.
 */
import { stat } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import type { Progress } from '@penjing/io';
import type { NamedArray } from '@penjing/named-array';
import type { Layer } from '@penjing/layers';
import { loadPretrainedModel } from '../family.js';
// The built-in families (llama, mistral, qwen2, qwen3, gpt2, gpt_neox) register on import.
import '../families/register.js';
import { CommandError } from './args.js';
import { escapeTerminal } from './terminal.js';

/** Where a command writes: the terminal's streams, or anything with `write` (tests). */
export interface CliIO {
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/** The part of a stream the CLI uses. */
export interface Writable {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

const MB = 2 ** 20;

/**
 * Checks that `dir` is an existing directory.
 * @example await checkModelDir('models/gemma-3-270m');
 */
export async function checkModelDir(dir: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CommandError(code === 'ENOENT' ? `model directory '${dir}' does not exist.` : `cannot open model directory '${dir}' (${code ?? (e as Error).message}).`);
  }
  if (!isDir) throw new CommandError(`'${dir}' is not a directory; --model takes a checkpoint directory (config.json + *.safetensors).`);
}

/**
 * Loads the model in `dir`, showing progress on `io.stderr`.
 * @example const model = await loadModel('models/gemma-3-270m', process);
 */
export async function loadModel(dir: string, io: CliIO, quiet = false): Promise<Layer<NamedArray, NamedArray>> {
  await checkModelDir(dir);
  const started = Date.now();
  const show = progressDisplay(dir, io.stderr, quiet);
  try {
    const model = await loadPretrainedModel(dir, { progress: show.onProgress, quiet });
    show.done(Date.now() - started);
    return model;
  } catch (e) {
    show.fail();
    throw e;
  }
}

interface ProgressDisplay {
  onProgress(p: Progress): void;
  done(ms: number): void;
  fail(): void;
}

function progressDisplay(rawDir: string, stderr: Writable, quiet: boolean): ProgressDisplay {
  const dir = escapeTerminal(rawDir);
  if (quiet) return { onProgress() {}, done() {}, fail() {} };
  let total = 0;
  if (stderr.isTTY) {
    let bar: cliProgress.SingleBar | undefined;
    return {
      onProgress(p) {
        total = p.bytesTotal;
        if (!bar) {
          bar = new cliProgress.SingleBar(
            { format: `Loading ${dir} [{bar}] {percentage}% | {done}/{total} MB | {tensor}`, stream: stderr as unknown as NodeJS.WritableStream, hideCursor: true, etaBuffer: 50 },
            cliProgress.Presets.shades_classic,
          );
          bar.start(Math.max(p.bytesTotal, 1), 0, { done: '0', total: (p.bytesTotal / MB).toFixed(0), tensor: '' });
        }
        bar.update(p.bytesDone, { done: (p.bytesDone / MB).toFixed(0), total: (p.bytesTotal / MB).toFixed(0), tensor: escapeTerminal(p.tensor) });
      },
      done(ms) {
        bar?.stop();
        stderr.write(`Loaded ${dir} (${(total / MB).toFixed(1)} MB) in ${(ms / 1000).toFixed(1)} s\n`);
      },
      fail() {
        bar?.stop();
      },
    };
  }
  // Not a terminal: no redrawn bar, just where loading starts and ends.
  let started = false;
  return {
    onProgress(p) {
      total = p.bytesTotal;
      if (!started) stderr.write(`Loading ${dir} (${(p.bytesTotal / MB).toFixed(1)} MB) …\n`);
      started = true;
    },
    done(ms) {
      stderr.write(`Loaded ${dir} (${(total / MB).toFixed(1)} MB) in ${(ms / 1000).toFixed(1)} s\n`);
    },
    fail() {},
  };
}
