// Where the jit bench finds its reference graphs (scripts/gemma_onnx_export.py's output for a
// checkpoint), and what to run when they are missing.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const PYTHON = '/usr/bin/python3';
export const GRAPHS = ['prefill', 'prefill_last', 'decode'];

/**
 * The exported graphs of `checkpoint` when complete, else the commands that make them.
 * @example const ref = ortReference('out/random-gemma3-270m-f32'); if (ref.dir) …; else console.log(ref.howTo.join('\n'));
 */
export function ortReference(checkpoint) {
  const dir = join(ROOT, 'out', 'onnx-torch', basename(checkpoint));
  const manifestFile = join(dir, 'manifest.json');
  if (existsSync(manifestFile) && GRAPHS.every((g) => existsSync(join(dir, `${g}.onnx`)))) {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
    if (existsSync(manifest.checkpoint) && realpathSync(manifest.checkpoint) === realpathSync(checkpoint)) return { dir, config: manifest.config, torch: manifest.torch };
  }
  const rel = (p) => relative(ROOT, p) || '.';
  const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  const howTo = [
    ...(hasTorch ? [] : [`bash scripts/install-system-deps.sh --reference     # Debian's python3-torch for ${PYTHON} (${PYTHON} has no torch now)`]),
    `${PYTHON} scripts/gemma_onnx_export.py ${rel(checkpoint)} ${rel(dir)}     # ~3 min, 3.2 GB of graphs`,
  ];
  return { dir: undefined, howTo };
}
