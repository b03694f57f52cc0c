// End-to-end tests of the `penjing` CLI: the built bin is spawned on tiny checkpoints written
// here (Gemma 3 vocabulary size, so the bundled tokenizer's real ids fit; every other size tiny).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile, copyFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nx from '@penjing/named-array';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GemmaTransformer, gemmaPreset } from '@penjing/gemma';
import { gemma3Tokenizer, generate } from '@penjing/transformer';
import { main } from '@penjing/transformer/cli';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const bin = join(root, 'packages/gemma/bin/penjing.mjs');
const config = gemmaPreset('gemma3_270m', {
  numLayers: 2, embedDim: 16, hiddenDim: 16, numHeads: 2, numKvHeads: 1, headDim: 8, attentionTypes: ['local', 'global'], slidingWindowSize: 4,
});
let dir: string;
let ckpt: string;

/** An in-memory stdout/stderr for calling main() in-process. */
function capture() {
  let out = '';
  let err = '';
  return { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, out: () => out, err: () => err };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function penjing(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, PENJING_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  // The bin runs the built package: build it (incremental; quick when nothing changed).
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  spawnSync(process.execPath, [tsc, '-b', 'packages/gemma'], { cwd: root, stdio: 'ignore' });
  if (!existsSync(join(root, 'packages/transformer/dist/cli/main.js'))) throw new Error('building packages/gemma did not produce packages/transformer/dist/cli/main.js; run npx tsc -b packages/gemma');
  await nx.ready();
  dir = await mkdtemp(join(tmpdir(), 'penjing-cli-'));
  ckpt = join(dir, 'tiny-gemma3');
  const model = GemmaTransformer.fromConfig(config, { seed: 5 });
  await model.saveSafetensors(ckpt);
}, 240_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('penjing --help', () => {
  it('lists the commands, and each command explains its flags', async () => {
    const top = await penjing('--help');
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Usage: penjing <command>/);
    expect(top.stdout).toMatch(/generate/);
    expect(top.stdout).toMatch(/inspect/);
    const gen = await penjing('generate', '--help');
    expect(gen.code).toBe(0);
    for (const flag of ['--model', '--prompt', '--chat', '--max-tokens', '--temperature', '--top-k', '--top-p', '--seed']) expect(gen.stdout).toContain(flag);
    const ins = await penjing('inspect', '-h');
    expect(ins.code).toBe(0);
    expect(ins.stdout).toMatch(/--html FILE/);
    const version = await penjing('--version');
    expect(version.stdout).toMatch(/^penjing \d+\.\d+\.\d+/);
  }, 60_000);
});

describe('penjing generate', () => {
  it('streams the same text as generate() in-process, with loading progress and statistics on stderr', async () => {
    const run = await penjing('generate', '--model', ckpt, '--prompt', 'The capital of France is', '--max-tokens', '6', '--temperature', '1', '--top-k', '40', '--seed', '9');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/Loading .*tiny-gemma3/);
    expect(run.stderr).toMatch(/tokenizer\.json not found; using the @lenml\/tokenizer-gemma3/);
    expect(run.stderr).toMatch(/6 tokens \(reached --max-tokens 6\)/);
    const model = await GemmaTransformer.fromPretrained(ckpt, { progress: false });
    const tok = await gemma3Tokenizer();
    const ref = await generate(model, 'The capital of France is', { tokenizer: tok, maxNewTokens: 6, temperature: 1, topK: 40, seed: 9 });
    expect(ref.tokens).toHaveLength(6);
    expect(run.stdout).toBe(`${ref.text}\n`);
  }, 120_000);

  it('--chat formats a user turn (greedy by default)', async () => {
    const run = await penjing('generate', '--model', ckpt, '--prompt', 'Hi!', '--chat', '--max-tokens', '4', '--quiet');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const model = await GemmaTransformer.fromPretrained(ckpt, { progress: false });
    const ref = await generate(model, 'Hi!', { tokenizer: await gemma3Tokenizer(), chat: true, maxNewTokens: 4 });
    expect(run.stdout).toBe(`${ref.text}\n`);
  }, 120_000);

  it('rejects bad flags with exit status 2 and a pointer to --help', async () => {
    const spawned = await penjing('generate', '--model', ckpt, '--prompt', 'x', '--top-p', '2');
    expect(spawned.code).toBe(2);
    expect(spawned.stderr).toBe("penjing generate: --top-p must be a number > 0 and ≤ 1; got '2'.\nRun 'penjing generate --help' for usage.\n");
    // The same checks in-process (main() is what the bin runs), to keep the test quick.
    const cases: [string[], RegExp][] = [
      [['--max-tokens', 'ten'], /--max-tokens must be an integer ≥ 1; got 'ten'/],
      [['--max-tokens', '0'], /--max-tokens must be an integer ≥ 1; got '0'/],
      [['--temperature=-1'], /--temperature must be a number ≥ 0; got '-1'/],
      [['--temperature', '-1'], /Option '--temperature' argument is ambiguous/],
      [['--top-k', '2.5'], /--top-k must be an integer ≥ 1; got '2.5'/],
      [['--seed', '-3'], /ambiguous/],
      [['--bogus'], /Unknown option '--bogus'/],
      [['--chat=yes'], /does not take an argument/],
    ];
    for (const [extra, message] of cases) {
      const io = capture();
      expect(await main(['generate', '--model', ckpt, '--prompt', 'x', ...extra], io), extra.join(' ')).toBe(2);
      expect(io.err()).toMatch(message);
      expect(io.err()).toMatch(/\nRun 'penjing generate --help' for usage\.\n$/);
    }
    const noPrompt = capture();
    expect(await main(['generate', '--model', ckpt], noPrompt)).toBe(2);
    expect(noPrompt.err()).toMatch(/--prompt is required/);
    const none = capture();
    expect(await main([], none)).toBe(2);
    expect(none.err()).toMatch(/Usage: penjing <command>/);
    const unknown = await penjing('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
  }, 120_000);
});

describe('penjing inspect', () => {
  it('prints the parameter count, axes, layer types and a folded tree, and writes the HTML view', async () => {
    const html = join(dir, 'out', 'views', 'model.html');   // parent directories do not exist yet
    const run = await penjing('inspect', '--model', ckpt, '--html', html);
    expect(run.code).toBe(0);
    // V·D + per layer (q, k, v, o projections; q/k norms; three MLP matrices; four norms) + final norm.
    const { vocabSize: v, embedDim: d, numHeads: n, numKvHeads: k, headDim: h, hiddenDim: f, numLayers: l } = config;
    const perLayer = d * n * h + 2 * d * k * h + n * h * d + 2 * h + 3 * d * f + 4 * d;
    const count = v * d + l * perLayer + d;
    expect(run.stdout).toContain(`Parameters: ${count.toLocaleString('en-US')} in`);
    expect(run.stdout).toContain('gemma3: 2 layers (1 local with window 4, 1 global)');
    expect(run.stdout).toMatch(/Axes: embedding 16, neurons 16, projection 8, query_heads 2, vocabulary 262144/);
    expect(run.stdout).toMatch(/Layer types: .*Attention ×2/);
    expect(run.stdout).toMatch(/sublayers\[2\]: TransformerBlock/);
    expect(run.stderr).toContain(`Wrote the model view to ${html}`);
    expect(await readFile(html, 'utf8')).toMatch(/<html[\s>]/i);
  }, 120_000);

  it('fails with exit status 1 and a one-line reason for a missing directory or a bad checkpoint', async () => {
    const missing = await penjing('inspect', '--model', join(dir, 'nope'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`penjing: model directory '${join(dir, 'nope')}' does not exist.\n`);
    const bad = join(dir, 'bad');
    await mkdir(bad);
    await copyFile(join(ckpt, 'config.json'), join(bad, 'config.json'));
    await writeFile(join(bad, 'model.safetensors'), 'this is not a safetensors file');
    const broken = await penjing('inspect', '--model', bad);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^penjing: \w*Error: .*model\.safetensors/m);
    expect(broken.stderr).not.toMatch(/\n\s+at /);
    const notDir = await penjing('generate', '--model', join(ckpt, 'config.json'), '--prompt', 'x');
    expect(notDir.code).toBe(1);
    expect(notDir.stderr).toMatch(/is not a directory/);
  }, 120_000);
});
