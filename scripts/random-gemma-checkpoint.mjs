#!/usr/bin/env node
// Writes a Hugging Face Gemma 3 checkpoint with random weights: the real tensor names
// (`model.layers.0.self_attn.q_proj.weight`, …), shapes and config.json of Gemma 3 270M or
// 1B, values from a seeded generator (the same bytes on every machine). For benchmarks of
// models too big to train here and for the torch/ONNX reference (scripts/gemma_onnx_export.py).
//
//   node scripts/random-gemma-checkpoint.mjs --shape 270m --dtype f32     # out/random-gemma3-270m-f32 (1.1 GB)
//   node scripts/random-gemma-checkpoint.mjs --shape 270m --dtype bf16    # out/random-gemma3-270m-bf16
//   node scripts/random-gemma-checkpoint.mjs --shape 1b                   # out/random-gemma3-1b-bf16 (2 GB)
//   options: --seed N (default 0), --out DIR, --force (rewrite even if present)
//
// Tensors are generated and written one at a time (peak memory ≈ the largest tensor as
// float32: the embedding, 0.7 GB for 270M, 1.2 GB for 1B). The directory is written under
// a temporary name and renamed when complete; a complete directory with the same shape,
// dtype and seed is reused (its stamp file says what it holds). Needs `npm run build`.
import { existsSync, readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { configToHuggingFace, gemmaPreset, hfLayout, writeShardedSafetensors } from '@penjing/gemma';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHAPES = { '270m': 'gemma3_270m', '1b': 'gemma3_1b' };
const DTYPES = { f32: ['F32', 'float32'], bf16: ['BF16', 'bfloat16'] };
const STAMP = 'penjing-random.json';
/** Bumped when the generator changes, so old directories are rewritten rather than reused. */
const GENERATOR_VERSION = 1;

/** Standard deviation of matrix entries (about what HF's initializer uses) and of norm offsets. */
const MATRIX_STD = 0.02;
const NORM_OFFSET_STD = 0.1;

/**
 * The directory a random checkpoint of this shape, dtype and seed is written to.
 * @example randomCheckpointDir({ shape: '1b', dtype: 'bf16' }) // '<repo>/out/random-gemma3-1b-bf16'
 */
export function randomCheckpointDir({ shape, dtype, seed = 0 }) {
  return join(ROOT, 'out', `random-gemma3-${shape}-${dtype}${seed ? `-seed${seed}` : ''}`);
}

/** 32-bit FNV-1a of a string: a stable per-tensor seed. */
function hash32(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * `count` values uniform in ±std·√3 (standard deviation `std`), from mulberry32 seeded by
 * the seed and the tensor's name, so each tensor is reproducible on its own.
 */
function uniformValues(count, std, seed, name) {
  let a = (hash32(name) ^ Math.imul(seed + 1, 0x9e3779b1)) >>> 0;
  const out = new Float32Array(count);
  const scale = (2 * std * Math.sqrt(3)) / 4294967296;
  const shift = std * Math.sqrt(3);
  for (let i = 0; i < count; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) * scale - shift;
  }
  return out;
}

/**
 * Writes a random checkpoint of any Gemma config into `dir`: config.json and the safetensors
 * file(s) with HF names, values from the seeded generator, one tensor at a time.
 * @example await writeRandomCheckpoint('out/x', gemmaPreset('gemma3_270m', { numLayers: 2 }), { dtype: 'bf16', seed: 1 });
 */
export async function writeRandomCheckpoint(dir, config, { dtype = 'f32', seed = 0, maxShardBytes = 5e9, onProgress } = {}) {
  const [stored, torchDtype] = DTYPES[dtype];
  const tensors = hfLayout(config).map((w) => {
    const name = w.isLmHead ? 'lm_head.weight' : `model.${w.hfName}`;
    const count = w.hfShape.reduce((a, b) => a * b, 1);
    const std = w.offsetNorm ? NORM_OFFSET_STD : MATRIX_STD;
    return [name, { dtype: stored, shape: w.hfShape, data: () => uniformValues(count, std, seed, name) }];
  });
  await writeShardedSafetensors(dir, tensors, { maxShardBytes, metadata: { format: 'pt' }, onProgress });
  await writeFile(join(dir, 'config.json'), JSON.stringify(configToHuggingFace(config, { torchDtype }), null, 2) + '\n');
}

/**
 * Writes the checkpoint unless a complete one with the same shape, dtype and seed exists;
 * returns its directory.
 * @example const dir = await ensureRandomCheckpoint({ shape: '270m', dtype: 'f32' });
 */
export async function ensureRandomCheckpoint({ shape, dtype, seed = 0, out, force = false, log = console.log }) {
  if (!SHAPES[shape]) throw new Error(`--shape must be one of ${Object.keys(SHAPES).join(', ')}; got ${JSON.stringify(shape)}.`);
  if (!DTYPES[dtype]) throw new Error(`--dtype must be one of ${Object.keys(DTYPES).join(', ')}; got ${JSON.stringify(dtype)}.`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer; got ${seed}.`);
  const dir = resolve(out ?? randomCheckpointDir({ shape, dtype, seed }));
  const want = { generator: GENERATOR_VERSION, shape, dtype, seed };
  const stampFile = join(dir, STAMP);
  if (!force && existsSync(stampFile)) {
    const have = JSON.parse(readFileSync(stampFile, 'utf8'));
    if (JSON.stringify(have) === JSON.stringify(want)) return dir;
    throw new Error(`${dir} holds a different random checkpoint (${JSON.stringify(have)}); pass --force to overwrite it or --out to write elsewhere.`);
  }
  if (!force && existsSync(dir)) {
    throw new Error(`${dir} exists but is not a complete random checkpoint (no ${STAMP}); delete it or pass --force.`);
  }
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  const t0 = performance.now();
  let lastLog = 0;
  await writeRandomCheckpoint(partial, gemmaPreset(SHAPES[shape]), {
    dtype, seed,
    onProgress: ({ bytesDone, bytesTotal }) => {
      const now = performance.now();
      if (now - lastLog > 5000 || bytesDone === bytesTotal) {
        lastLog = now;
        log(`  writing ${dir}: ${(bytesDone / 1e9).toFixed(2)} / ${(bytesTotal / 1e9).toFixed(2)} GB`);
      }
    },
  });
  await writeFile(join(partial, STAMP), JSON.stringify(want) + '\n');
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  log(`  wrote ${dir} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return dir;
}

function parseArgs(argv) {
  const opts = { shape: '270m', dtype: undefined, seed: 0, out: undefined, force: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value.`);
      return argv[++i];
    };
    if (a === '--shape') opts.shape = value();
    else if (a === '--dtype') opts.dtype = value();
    else if (a === '--seed') opts.seed = Number(value());
    else if (a === '--out') opts.out = value();
    else if (a === '--force') opts.force = true;
    else if (a === '-h' || a === '--help') opts.help = true;
    else throw new Error(`Unknown argument ${JSON.stringify(a)} (try --help).`);
  }
  opts.dtype ??= opts.shape === '1b' ? 'bf16' : 'f32';
  return opts;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    if (opts.help) {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n').slice(1, 15).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
    } else {
      console.log(await ensureRandomCheckpoint(opts));
    }
  } catch (e) {
    console.error(`random-gemma-checkpoint: ${e.message}`);
    process.exit(1);
  }
}
