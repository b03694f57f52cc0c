// Browser bundle sizes: each package bundled by esbuild from its public name for the browser,
// minified, with code splitting (what a page loads up front; the Gemma 3 vocabulary is a lazy
// chunk fetched only when gemma3Tokenizer() is called), and the same with that chunk counted
// (what calling the tokenizer adds). Also the circuit lab's page. Sizes: minified and gzip -9.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = ['named-array', 'layers', 'io', 'transformer', 'interp', 'gemma', 'viewer'];
const kb = (n) => `${(n / 1024).toFixed(0)} kB`.padStart(9);

async function sizes(entry) {
  const out = await build({
    entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', minify: true, splitting: true,
    write: false, outdir: '/out', logLevel: 'error', metafile: true, target: 'es2022',
  });
  const entryOut = Object.entries(out.metafile.outputs).find(([, o]) => o.entryPoint)[0];
  // What the entry loads up front: itself and the chunks it imports statically.
  const upFront = new Set();
  const visit = (p) => {
    if (upFront.has(p)) return;
    upFront.add(p);
    for (const i of out.metafile.outputs[p].imports) if (i.kind === 'import-statement') visit(i.path);
  };
  visit(entryOut);
  const size = (files) => files.reduce((s, f) => ({ min: s.min + f.contents.byteLength, gz: s.gz + gzipSync(f.contents, { level: 9 }).byteLength }), { min: 0, gz: 0 });
  const base = (p) => p.slice(p.lastIndexOf('/') + 1);
  const upFrontNames = new Set([...upFront].map(base));
  return {
    initial: size(out.outputFiles.filter((f) => upFrontNames.has(base(f.path)))),
    all: size(out.outputFiles.filter((f) => f.path.endsWith('.js'))),
  };
}

export default async function () {
  const dir = join(root, 'out', 'bench-bundle');
  mkdirSync(dir, { recursive: true });
  console.log('package (esbuild --bundle --minify --splitting, browser)   up front: min    gzip   | with the tokenizer: min    gzip');
  for (const p of PACKAGES) {
    const entry = join(dir, `${p}.js`);
    writeFileSync(entry, `export * from '@penjing/${p}';\n`);
    const s = await sizes(entry);
    console.log(`@penjing/${p.padEnd(12)}${' '.repeat(37)}${kb(s.initial.min)} ${kb(s.initial.gz)}   | ${kb(s.all.min)} ${kb(s.all.gz)}`);
  }
  const lab = await sizes(join(root, 'examples/lab/lab.ts'));
  console.log(`circuit lab (examples/lab)${' '.repeat(32)}${kb(lab.initial.min)} ${kb(lab.initial.gz)}   | ${kb(lab.all.min)} ${kb(lab.all.gz)}`);
  console.log('(+ tfjs-backend-wasm-simd.wasm 415 kB, loaded by nx.ready() from beside the bundle)');
}
