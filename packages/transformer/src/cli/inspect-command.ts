/**
 * `penjing inspect`: load a checkpoint and print what it is — config, parameter count, axes,
 * layer types and a folded outline of the layer tree — and, with `--html`, write the
 * viewer's interactive page of the model.
 */
import { writeFile } from 'node:fs/promises';
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
      await writeFile(html, renderToHtml(model));
    } catch (e) {
      throw new CommandError(`cannot write '${html}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
    }
    io.stderr.write(`Wrote the model view to ${html}\n`);
  }
  return 0;
}
