/**
 * `penjing inspect`: load a checkpoint and print what it is — config, parameter count, axes,
 * layer types and a folded outline of the layer tree — and, with `--html`, write the
 * viewer's interactive page of the model.
 */
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { writeFileAtomic } from '@penjing/io/node';
import { escapeTerminal } from './terminal.js';
import { CommandError, numberFlag, parseFlags, requireString, type FlagSpec } from './args.js';
import { loadModel, type CliIO } from './load.js';
import { formatSummary } from './summary.js';

export const INSPECT_HELP = `Usage: penjing inspect --model DIR [--html FILE] [options]

Prints a summary of the checkpoint in DIR: its config, parameter count, parameter axes,
layer types and an outline of the layer tree (runs of identical layers folded).

Options:
  --model DIR     checkpoint directory (required)
  --html FILE     also write the viewer's interactive HTML page of the model to FILE
  --depth N       levels of the tree outline to print (default 5)
  --quiet         no loading progress on stderr
  -h, --help      show this help

Example:
  penjing inspect --model models/gemma-3-270m --html gemma.html
`;

const FLAGS: FlagSpec = {
  model: { type: 'string' },
  html: { type: 'string' },
  depth: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** The viewer is imported only when asked for, by a name TypeScript does not resolve (it builds after this package). */
const VIEWER = '@penjing/viewer';

/**
 * Runs `penjing inspect` with the arguments after the command name; resolves to the exit status.
 * @example await inspectCommand(['--model', dir], process)
 */
export async function inspectCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const v = parseFlags('inspect', argv, FLAGS);
  if (v.help) {
    io.stdout.write(INSPECT_HELP);
    return 0;
  }
  const dir = requireString(v, 'model', 'inspect');
  const depth = numberFlag(v, 'depth', 'inspect', { integer: true, min: 0 }) ?? 5;
  const html = typeof v.html === 'string' ? v.html : undefined;
  if (v.html !== undefined && !html) throw new CommandError('--html needs a file name.');
  if (html) await checkHtmlTarget(html, dir);
  const model = await loadModel(dir, io, Boolean(v.quiet));
  io.stdout.write(`${formatSummary(model, { title: dir, depth })}\n`);
  if (html) {
    let renderToHtml: (value: unknown) => string;
    try {
      ({ renderToHtml } = (await import(VIEWER)) as { renderToHtml: (value: unknown) => string });
    } catch (e) {
      throw new CommandError(`--html needs the viewer package @penjing/viewer, which could not be loaded (${(e as Error).message}).`);
    }
    try {
      await writeFileAtomic(html, renderToHtml(model));
    } catch (e) {
      throw new CommandError(`cannot write the HTML view: ${(e as Error).message}`);
    }
    io.stderr.write(`Wrote the model view to ${escapeTerminal(html)}\n`);
  }
  return 0;
}

/** The real path of `path`, resolving links in its longest existing prefix (the rest may not exist yet). */
async function realPathOf(path: string): Promise<string> {
  const abs = resolve(path);
  try {
    return await realpath(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(await realPathOf(parent), basename(abs));
  }
}

/**
 * `--html` must not point into the checkpoint (it would overwrite config.json or a shard)
 * nor at a directory; both are refused before the model is loaded.
 */
async function checkHtmlTarget(html: string, modelDir: string): Promise<void> {
  const [target, model] = await Promise.all([realPathOf(html), realPathOf(modelDir)]);
  const rel = relative(model, target);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
    throw new CommandError(`refusing to write the HTML view to '${html}': it is inside the model directory '${modelDir}', whose files it could overwrite. Choose a path outside it, e.g. --html model-view.html.`);
  }
  const existing = await stat(target).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new CommandError(`cannot write the HTML view to '${html}': it is a directory (EISDIR). Give a file name, e.g. --html ${join(html, 'model.html')}.`);
  }
}
