/**
 * The one error type of the safetensors reader and writer. Its message always says
 * which file (and, when one is involved, which tensor) is wrong, what is wrong, and
 * what to do about it, so a user who sees only the message can act on it.
 *
 * @example
 * try { await openSafetensors('model.safetensors'); }
 * catch (e) { if (e instanceof SafetensorsError) console.error(e.file, e.tensor, e.message); }
 */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
  /** The file the problem is in. */
  readonly file: string;
  /** The tensor the problem concerns, if any. */
  readonly tensor: string | undefined;

  constructor(file: string, problem: string, options: { tensor?: string; fix?: string; cause?: unknown } = {}) {
    const where = options.tensor === undefined ? file : `${file}, tensor ${JSON.stringify(options.tensor)}`;
    const fix = options.fix === undefined ? '' : ` ${options.fix}`;
    super(`${where}: ${problem}.${fix}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.file = file;
    this.tensor = options.tensor;
  }
}
