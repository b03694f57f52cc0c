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
