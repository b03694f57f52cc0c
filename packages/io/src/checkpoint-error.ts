/**
 * The error a checkpoint that does not fit its config raises: a missing or unexpected
 * tensor, a shape the config does not imply, a dtype that is not a float. Like the
 * safetensors reader's errors, the message names the file and tensor, says what is
 * wrong and what to do.
 *
 * @example
 * try { await GemmaTransformer.fromPretrained(dir); }
 * catch (e) { if (e instanceof CheckpointError) console.error(e.file, e.tensor); }
 */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  /** The file (or checkpoint directory / index) the problem is in. */
  readonly file: string;
  /** The tensor concerned, if one is. */
  readonly tensor: string | undefined;

  constructor(file: string, problem: string, options: { tensor?: string; fix?: string } = {}) {
    const where = options.tensor === undefined ? file : `${file}, tensor ${JSON.stringify(options.tensor)}`;
    super(`${where}: ${problem}.${options.fix ? ` ${options.fix}` : ''}`);
    this.file = file;
    this.tensor = options.tensor;
  }
}
