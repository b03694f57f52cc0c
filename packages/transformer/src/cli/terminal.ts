/**
 * Text for a terminal. Generated text, paths, tensor names and config strings are data: raw
 * control characters in them (ESC sequences, BEL, backspace, carriage return, C1 controls,
 * bidirectional overrides) could recolour, retitle or rewrite the user's terminal, or hide
 * text. Everything the CLI prints goes through {@link escapeTerminal}, which keeps newlines
 * and tabs and shows every other control character as a visible escape such as `\x1b`.
 */
import type { Writable } from './load.js';

// C0 except \t and \n, DEL, C1, line/paragraph separators, bidi embeddings/overrides/isolates.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with control characters made visible (newlines and tabs kept).
 *
 * @example escapeTerminal('red \x1b[31m!\x07') // 'red \\x1b[31m!\\x07'
 */
export function escapeTerminal(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * A writer that escapes what it writes (for stdout, which carries only text).
 *
 * @example const out = escapingWriter(process.stdout); out.write(modelText);
 */
export function escapingWriter(w: Writable): Writable {
  return { write: (text: string) => w.write(escapeTerminal(String(text))), isTTY: w.isTTY };
}

/** True for the error a write to a closed pipe raises (`penjing … | head`). */
export function isBrokenPipe(e: unknown): boolean {
  return (e as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}

/**
 * Makes the process exit quietly (status 0) when stdout or stderr is a pipe whose reader has
 * gone, as `head` does, instead of dying with an EPIPE stack trace.
 *
 * @example exitQuietlyOnBrokenPipe(process); process.exitCode = await main(argv);
 */
export function exitQuietlyOnBrokenPipe(proc: NodeJS.Process): void {
  for (const stream of [proc.stdout, proc.stderr]) {
    stream.on('error', (e) => {
      if (isBrokenPipe(e)) proc.exit(proc.exitCode ?? 0);
      throw e;
    });
  }
}
