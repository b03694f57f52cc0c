/**
 * Command-line flags: `node:util` parseArgs in strict mode, plus checked conversions of flag
 * values to numbers, so every bad flag becomes one {@link UsageError} that names the flag.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the CLI was called: printed with a pointer to `--help`, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(message: string, readonly command?: string) {
    super(message);
  }
}

/** A failure while doing the work (missing directory, bad checkpoint): exit status 1. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

/** Flag definitions in parseArgs' form. */
export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `argv` against `flags`, turning parseArgs' errors (unknown flag, missing value,
 * stray argument) into {@link UsageError}s for `command`.
 *
 * @example parseFlags('inspect', ['--model', 'dir'], { model: { type: 'string' } }) // { model: 'dir' }
 */
export function parseFlags(command: string, argv: readonly string[], flags: FlagSpec): Record<string, string | boolean | undefined> {
  try {
    const { values } = parseArgs({ args: [...argv], options: flags, strict: true, allowPositionals: false });
    return values as Record<string, string | boolean | undefined>;
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional argument starting with a '-'.*$/s, '');
    throw new UsageError(msg, command);
  }
}

/** A required string flag. */
export function requireString(values: Record<string, unknown>, flag: string, command: string): string {
  const v = values[flag];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${flag} is required.`, command);
  return v;
}

/**
 * A numeric flag, checked: `integer` requires a whole number; `min`/`max` bound it
 * (`exclusiveMin` for open intervals).
 *
 * @example numberFlag({ 'top-p': '0.9' }, 'top-p', 'generate', { exclusiveMin: 0, max: 1 }) // 0.9
 */
export function numberFlag(
  values: Record<string, unknown>,
  flag: string,
  command: string,
  rules: { integer?: boolean; min?: number; exclusiveMin?: number; max?: number } = {},
): number | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const n = text === '' ? NaN : Number(text);
  const kind = rules.integer ? 'an integer' : 'a number';
  const range = [
    rules.min !== undefined ? `≥ ${rules.min}` : undefined,
    rules.exclusiveMin !== undefined ? `> ${rules.exclusiveMin}` : undefined,
    rules.max !== undefined ? `≤ ${rules.max}` : undefined,
  ].filter(Boolean).join(' and ');
  const ok =
    Number.isFinite(n) &&
    (!rules.integer || Number.isSafeInteger(n)) &&
    (rules.min === undefined || n >= rules.min) &&
    (rules.exclusiveMin === undefined || n > rules.exclusiveMin) &&
    (rules.max === undefined || n <= rules.max);
  if (!ok) throw new UsageError(`--${flag} must be ${kind}${range ? ` ${range}` : ''}; got '${raw}'.`, command);
  return n;
}
