/**
 * The `penjing` command line (`penjing generate`, `penjing inspect`), run in-process by
 * `main(argv, io)`. It loads checkpoints through the registered model families, so the
 * program that runs it imports the families first (`@penjing/gemma`'s `penjing` bin does).
 *
 * @example
 * import '@penjing/gemma';
 * import { main } from '@penjing/transformer/cli';
 * process.exitCode = await main(['inspect', '--model', 'models/gemma-3-270m']);
 */
export { main, escapeTerminal, exitQuietlyOnBrokenPipe } from './cli/main.js';
export type { CliIO, Writable } from './cli/load.js';
