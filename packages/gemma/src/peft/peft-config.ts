/**
 * Hugging Face PEFT's `adapter_config.json` for LoRA: what we write, and which of its
 * options we can honour when reading. PEFT scales each update by lora_alpha / r (or by
 * lora_alpha / √r with `use_rslora`), per module overridable by `rank_pattern` and
 * `alpha_pattern`, whose keys match module names by suffix.
 */
import type { HfModule } from './sites.js';
import { safeRegExp } from '@penjing/transformer';
import { FLOAT32_MAX } from '../config/validate.js';

/** The file names PEFT uses. */
export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
/** PEFT's prefix for a causal LM's base-model modules. */
export const PEFT_PREFIX = 'base_model.model.model.';

/** The fields of a LoRA adapter_config.json this package reads or writes. */
export interface PeftLoraConfig {
  readonly peft_type: 'LORA';
  readonly task_type: 'CAUSAL_LM' | string | null;
  readonly r: number;
  readonly lora_alpha: number;
  /** Module names (matched as name suffixes), or one regex matched against full module names. */
  readonly target_modules: readonly string[] | string;
  readonly rank_pattern?: Readonly<Record<string, number>>;
  readonly alpha_pattern?: Readonly<Record<string, number>>;
  readonly lora_dropout?: number;
  readonly bias?: string;
  readonly fan_in_fan_out?: boolean;
  readonly use_rslora?: boolean;
  readonly use_dora?: boolean;
  readonly modules_to_save?: readonly string[] | null;
  readonly base_model_name_or_path?: string | null;
  readonly [other: string]: unknown;
}

/** One saved module: its PEFT path below the base model (`model.layers.3.self_attn.q_proj`), rank and alpha. */
export interface SavedModule {
  readonly path: string;
  readonly module: HfModule;
  readonly layer: number;
  readonly rank: number;
  readonly alpha: number;
}

function mostCommon(xs: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The adapter_config.json for a set of saved modules: the most common rank and alpha as
 * `r` / `lora_alpha`, the others in `rank_pattern` / `alpha_pattern`; `target_modules` as a
 * list when every layer has the same modules, else a regex naming exactly the saved ones
 * (so PEFT does not add fresh adapters where we had none).
 *
 * @example peftConfigFor(modules, { baseModel: 'google/gemma-3-270m', numLayers: 18 }).target_modules // ['k_proj', 'o_proj', 'q_proj', 'v_proj']
 */
export function peftConfigFor(mods: readonly SavedModule[], o: { baseModel?: string; numLayers: number }): PeftLoraConfig {
  const r = mostCommon(mods.map((m) => m.rank));
  const alpha = mostCommon(mods.map((m) => m.alpha));
  const rankPattern = Object.fromEntries(mods.filter((m) => m.rank !== r).map((m) => [m.path, m.rank]));
  const alphaPattern = Object.fromEntries(mods.filter((m) => m.alpha !== alpha).map((m) => [m.path, m.alpha]));
  const names = [...new Set(mods.map((m) => m.module))].sort();
  const uniform = names.every((n) => mods.filter((m) => m.module === n).length === o.numLayers);
  const target = uniform ? names : `(?:.*\\.)?(?:${mods.map((m) => escape(m.path)).join('|')})`;
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    r,
    lora_alpha: alpha,
    target_modules: target,
    rank_pattern: rankPattern,
    alpha_pattern: alphaPattern,
    lora_dropout: 0,
    bias: 'none',
    fan_in_fan_out: false,
    use_rslora: false,
    use_dora: false,
    init_lora_weights: true,
    inference_mode: true,
    modules_to_save: null,
    layers_to_transform: null,
    layers_pattern: null,
    base_model_name_or_path: o.baseModel ?? null,
    revision: null,
  };
}

/** PEFT's pattern lookup: a key matches a module path equal to it or ending in `.key` (keys may be regexes). */
function patternMatcher(pattern: Readonly<Record<string, number>> | undefined, file: string, key: string): (path: string) => number | undefined {
  // Keys come from the file: each is checked (no nested or ambiguous repetition) before it runs.
  const compiled = Object.entries(pattern ?? {}).map(([k, v]) => {
    let valid = true;
    try {
      new RegExp(k);
    } catch {
      valid = false; // PEFT falls back to the literal name
    }
    // The key is checked as written; the wrapper around it adds no repetition.
    if (valid) safeRegExp(k, `${file}, ${key} key`, '');
    const re = new RegExp(`(?:^|\\.)${valid ? `(?:${k})` : escape(k)}$`);
    return [re, v] as const;
  });
  return (path) => compiled.find(([re]) => re.test(path))?.[1];
}

/**
 * Checks a parsed adapter_config.json and returns the alpha to use for a module of a given
 * rank, as our LoRAScale's alpha (scale = alpha / rank). rsLoRA's alpha / √r is expressed
 * as alpha·√r / r, so adapters trained with it load with the same outputs.
 */
export function readPeftConfig(raw: unknown, file: string): {
  /** The alpha (as LoRAScale's alpha) of a module path with factors of this rank. */
  alphaFor: (path: string, rank: number) => number;
  /** The rank the config promises for a module path (rank_pattern, else r), if it says. */
  rankFor: (path: string) => number | undefined;
} {
  const fail = (msg: string): never => {
    throw new RangeError(`${file}: ${msg}`);
  };
  if (typeof raw !== 'object' || raw === null) fail('not a JSON object.');
  const c = raw as PeftLoraConfig;
  if (c.peft_type !== 'LORA') fail(`peft_type is ${JSON.stringify(c.peft_type)}; only LORA adapters can be loaded.`);
  if (c.use_dora) fail('use_dora is true; DoRA adapters (with magnitude vectors) are not supported. Train a plain LoRA adapter.');
  if (c.fan_in_fan_out) fail('fan_in_fan_out is true; Gemma projections are nn.Linear, whose adapters have fan_in_fan_out false.');
  if (c.bias !== undefined && c.bias !== 'none') fail(`bias is ${JSON.stringify(c.bias)}; Gemma has no biases, so only "none" is supported.`);
  if (c.modules_to_save && c.modules_to_save.length) {
    fail(`modules_to_save lists [${c.modules_to_save.join(', ')}]; fully fine-tuned modules are not supported, only LoRA factors.`);
  }
  if (!(typeof c.lora_alpha === 'number' && Number.isFinite(c.lora_alpha))) fail(`lora_alpha must be a number; got ${JSON.stringify(c.lora_alpha)}.`);
  checkFloat32(c.lora_alpha, 'lora_alpha', fail);
  if (c.r !== undefined && c.r !== null && !(Number.isSafeInteger(c.r) && c.r >= 1)) fail(`r must be a positive integer; got ${JSON.stringify(c.r)}.`);
  for (const key of ['alpha_pattern', 'rank_pattern'] as const) {
    const pattern = c[key];
    if (pattern === undefined || pattern === null) continue;
    if (typeof pattern !== 'object' || Array.isArray(pattern)) fail(`${key} must be an object mapping module patterns to numbers.`);
    for (const [k, v] of Object.entries(pattern)) {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${key}[${JSON.stringify(k)}] must be a finite number; got ${JSON.stringify(v)}.`);
      if (key === 'alpha_pattern') checkFloat32(v, `alpha_pattern[${JSON.stringify(k)}]`, fail);
      else if (!(Number.isSafeInteger(v) && v >= 1)) fail(`rank_pattern[${JSON.stringify(k)}] must be a positive integer; got ${v}.`);
    }
  }
  const alphaOf = patternMatcher(c.alpha_pattern, file, 'alpha_pattern');
  const rankOf = patternMatcher(c.rank_pattern, file, 'rank_pattern');
  return {
    alphaFor: (path, rank) => {
      const alpha = alphaOf(path) ?? c.lora_alpha;
      return c.use_rslora ? alpha * Math.sqrt(rank) : alpha;
    },
    rankFor: (path) => rankOf(path) ?? (typeof c.r === 'number' ? c.r : undefined),
  };
}

function checkFloat32(v: number, key: string, fail: (msg: string) => never): void {
  if (Math.abs(v) > FLOAT32_MAX) fail(`${key} is ${v}, beyond float32's range (±${FLOAT32_MAX.toExponential(4)}); it would become Infinity and make every output NaN.`);
}
