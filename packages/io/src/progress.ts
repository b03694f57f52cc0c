/** Progress reports, so callers can draw a bar (e.g. with cli-progress) while bytes move. */
export interface Progress {
  /** File being read or written. */
  readonly file: string;
  /** Tensor being read or written. */
  readonly tensor: string;
  /** Bytes done so far in this operation (one read, one file written, or a whole checkpoint). */
  readonly bytesDone: number;
  /** Bytes this operation will move in all. */
  readonly bytesTotal: number;
}

/**
 * Called after every chunk (at most a few MB) and once at the end of every tensor.
 *
 * @example
 * const onProgress: ProgressCallback = (p) => bar.update(p.bytesDone, { tensor: p.tensor });
 */
export type ProgressCallback = (progress: Progress) => void;

/** Transfers this large show a terminal bar by default (Node/Deno, when stderr is a terminal). */
export const AUTO_PROGRESS_BYTES = 256 * 2 ** 20;

/** How a loader or saver reports progress: automatic (a terminal bar for large transfers in Node), forced, off, or a callback. */
export type ProgressOption = boolean | ProgressCallback | undefined;

/** A progress sink: feed it reports, stop it when done (also on failure). */
export interface ProgressSink {
  readonly onProgress: ProgressCallback | undefined;
  stop(): void;
}

/**
 * A sink for a transfer of `totalBytes`: the callback itself, nothing, or (Node/Deno) the
 * terminal bar from `@penjing/io/node`, imported only then.
 * @example const sink = await makeProgressSink(options.progress, ckpt.totalBytes, 'Loading');
 */
export async function makeProgressSink(option: ProgressOption, totalBytes: number, title: string): Promise<ProgressSink> {
  if (typeof option === 'function') return { onProgress: option, stop() {} };
  const g = globalThis as { process?: { versions?: { node?: string }; stderr?: { isTTY?: boolean } }; Deno?: unknown };
  const terminal = Boolean((g.process?.versions?.node || g.Deno) && g.process?.stderr);
  if (option === false || !terminal) return { onProgress: undefined, stop() {} };
  const { nodeIo } = await import('./source/pretrained.js');
  return (await nodeIo('a progress bar')).progressSink(option, totalBytes, title);
}
