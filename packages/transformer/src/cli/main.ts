/**
 * The `penjing` command line: `generate` and `inspect`, with `--help` everywhere. Errors are
 * one line on stderr and a non-zero exit status — 2 for a wrong call (unknown command or flag,
 * missing or malformed value), 1 for a failure doing the work (missing directory, bad
 * checkpoint or tokenizer).
 */
import { readFile } from 'node:fs/promises';
import { CommandError, UsageError } from './args.js';
import { GENERATE_HELP, generateCommand } from './generate-command.js';
import { INSPECT_HELP, inspectCommand } from './inspect-command.js';
import type { CliIO } from './load.js';
import { escapeTerminal, escapingWriter, isBrokenPipe } from './terminal.js';

export { UsageError, CommandError } from './args.js';
export type { CliIO, Writable } from './load.js';
export { escapeTerminal, exitQuietlyOnBrokenPipe } from './terminal.js';

export const MAIN_HELP = `Usage: penjing <command> [options]

Commands:
  generate   generate text with a checkpoint (Gemma, Llama, Mistral, Qwen, GPT-2, GPT-NeoX), streaming it to the terminal
  inspect    print a summary of a checkpoint's model (and write its HTML view)

Run 'penjing <command> --help' for a command's options.
Options: -h, --help (this help), --version
`;

const COMMANDS: Record<string, { run: (argv: readonly string[], io: CliIO) => Promise<number>; help: string }> = {
  generate: { run: generateCommand, help: GENERATE_HELP },
  inspect: { run: inspectCommand, help: INSPECT_HELP },
};

/**
 * Runs the CLI on `argv` (the arguments after `penjing`) and resolves to the exit status;
 * never throws.
 *
 * @example process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[], terminal: CliIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [command, ...rest] = argv;
  // stdout carries only text (help, summaries, generated text): all of it is escaped. stderr
  // keeps the progress bar's own escapes; the messages written to it escape their data.
  const io: CliIO = { stdout: escapingWriter(terminal.stdout), stderr: terminal.stderr };
  try {
    if (command === undefined) {
      io.stderr.write(MAIN_HELP);
      return 2;
    }
    if (command === '-h' || command === '--help' || command === 'help') {
      const topic = command === 'help' ? rest[0] : undefined;
      io.stdout.write(topic && COMMANDS[topic] ? COMMANDS[topic]!.help : MAIN_HELP);
      return 0;
    }
    if (command === '--version' || command === '-v') {
      io.stdout.write(`${await version()}\n`);
      return 0;
    }
    const cmd = COMMANDS[command];
    if (!cmd) throw new UsageError(`unknown command '${command}'; the commands are ${Object.keys(COMMANDS).join(' and ')}.`);
    return await cmd.run(rest, io);
  } catch (e) {
    return report(e, io);
  }
}

function report(e: unknown, io: CliIO): number {
  if (e instanceof UsageError) {
    const help = e.command ? `penjing ${e.command} --help` : 'penjing --help';
    io.stderr.write(`penjing${e.command ? ` ${e.command}` : ''}: ${escapeTerminal(e.message)}\nRun '${help}' for usage.\n`);
    return 2;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  // Our own errors and the loaders' (CheckpointError, SafetensorsError, TokenizerError, ...)
  // carry the file and the fix in their message; anything else also gets its stack when asked.
  const known = err instanceof CommandError || /Error$/.test(err.name);
  // A reader that went away (`penjing … | head`) is not an error worth a word.
  if (isBrokenPipe(e)) return 0;
  io.stderr.write(`penjing: ${err instanceof CommandError ? '' : `${err.name}: `}${escapeTerminal(err.message)}\n`);
  if (!known || process.env.PENJING_DEBUG) io.stderr.write(`${escapeTerminal(err.stack ?? '')}\n`);
  return 1;
}

async function version(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `penjing ${pkg.version}`;
}
