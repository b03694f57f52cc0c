/**
 * `penjing generate`: load a checkpoint and its tokenizer, then stream the model's answer to
 * stdout token by token (progress and statistics go to stderr, so stdout is just the text).
 */
import { generateStream, type GenerateOptions } from '../generation/generate.js';
import { loadTokenizer } from '../tokenizer/file.js';
import { imagePromptOf, tokenizerFamilyOf } from '../family.js';
import { modelConfigOf } from '../families/model.js';
import { TokenizerError } from '../tokenizer/errors.js';
import { numberFlag, parseFlags, requireString, type FlagSpec } from './args.js';
import { escapeTerminal } from './terminal.js';
import { loadModel, type CliIO } from './load.js';

export const GENERATE_HELP = `Usage: penjing generate --model DIR --prompt TEXT [options]

Generates a continuation of TEXT with the checkpoint in DIR (a Hugging Face directory:
config.json, *.safetensors and tokenizer.json — optional for Gemma 3 only), streaming it to stdout.

Options:
  --model DIR          checkpoint directory (required)
  --prompt TEXT        the prompt (required)
  --image FILE         a PNG or JPEG for a multimodal Gemma 3 (repeatable); placed at each
                       <start_of_image> of the prompt, or before the prompt when it has none
  --chat               wrap the prompt as a user turn (Gemma's format, or the checkpoint's chat template)
                       (for instruction-tuned checkpoints); stops at <end_of_turn>
  --max-tokens N       most tokens to generate (default 128)
  --temperature T      sampling temperature ≥ 0; 0 is greedy (default: greedy, or 1
                       when --top-k or --top-p is given)
  --top-k K            sample among the K most likely tokens
  --top-p P            sample from the smallest set of tokens with probability ≥ P (0 < P ≤ 1)
  --seed S             seed of the sampler; the same seed gives the same text (default 0)
  --quiet              no progress or statistics on stderr
  -h, --help           show this help

Example:
  penjing generate --model models/gemma-3-270m-it --prompt "Why is the sky blue?" --chat --temperature 0.7 --top-k 64
`;

const FLAGS: FlagSpec = {
  model: { type: 'string' },
  prompt: { type: 'string' },
  image: { type: 'string', multiple: true },
  chat: { type: 'boolean' },
  'max-tokens': { type: 'string' },
  temperature: { type: 'string' },
  'top-k': { type: 'string' },
  'top-p': { type: 'string' },
  seed: { type: 'string' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/**
 * Runs `penjing generate` with the arguments after the command name; resolves to the exit status.
 * @example await generateCommand(['--model', dir, '--prompt', 'Hi'], process)
 */
export async function generateCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const v = parseFlags('generate', argv, FLAGS);
  if (v.help) {
    io.stdout.write(GENERATE_HELP);
    return 0;
  }
  const dir = requireString(v, 'model', 'generate');
  const prompt = requireString(v, 'prompt', 'generate');
  const options: GenerateOptions = {
    maxNewTokens: numberFlag(v, 'max-tokens', 'generate', { integer: true, min: 1 }) ?? 128,
    temperature: numberFlag(v, 'temperature', 'generate', { min: 0 }),
    topK: numberFlag(v, 'top-k', 'generate', { integer: true, min: 1 }),
    topP: numberFlag(v, 'top-p', 'generate', { exclusiveMin: 0, max: 1 }),
    seed: numberFlag(v, 'seed', 'generate', { integer: true, min: 0 }) ?? 0,
    chat: Boolean(v.chat),
  };
  const quiet = Boolean(v.quiet);
  const model = await loadModel(dir, io, quiet);
  const familyModel = modelConfigOf(model);
  const tokenizer = await loadTokenizer(dir, {
    family: tokenizerFamilyOf(model),
    onFallback: (msg) => {
      // The bundled Gemma 3 vocabulary fits Gemma 3 only; other families need their own file.
      if (familyModel) throw new TokenizerError(dir, `has no tokenizer.json, which a ${familyModel.modelType} checkpoint needs (the bundled tokenizer is Gemma 3's)`, { fix: 'Download tokenizer.json (and tokenizer_config.json) with the weights.' });
      if (!quiet) io.stderr.write(`${escapeTerminal(msg)}\n`);
    },
  });
  const files = (v.image as string[] | undefined) ?? [];
  const withImages = files.length ? await imagePromptOf(model, prompt, files) : { prompt, images: undefined };
  const started = Date.now();
  let count = 0;
  let firstTokenMs = 0;
  const stream = generateStream(model, withImages.prompt, { ...options, tokenizer, images: withImages.images });
  let r = await stream.next();
  while (!r.done) {
    if (count === 0) firstTokenMs = Date.now() - started;
    if (r.value.token >= 0) count++;
    io.stdout.write(r.value.text);
    r = await stream.next();
  }
  io.stdout.write('\n');
  const [result] = r.value;
  if (!quiet) {
    const decodeMs = Date.now() - started - firstTokenMs;
    const rate = count > 1 ? ((count - 1) * 1000) / Math.max(decodeMs, 1) : 0;
    const why = result!.finishReason === 'stop' ? `stopped at ${tokenizer.idToToken(result!.stopToken!)}` : `reached --max-tokens ${options.maxNewTokens}`;
    io.stderr.write(`${count} tokens (${why}); first token after ${(firstTokenMs / 1000).toFixed(2)} s, then ${rate.toFixed(2)} tokens/s\n`);
  }
  return 0;
}
