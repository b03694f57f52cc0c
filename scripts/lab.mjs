// `npm run lab`: bundles examples/lab/lab.ts with esbuild (the packages by their public names)
// and serves the circuit lab on http://localhost:<port>/ with the tiny induction model and
// tfjs's wasm files beside the bundle. PORT=… picks the port (default 5180; 0 = any free one).
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The lab's files by URL path: the page, its bundle, the wasm files and the tiny model. */
export async function labFiles() {
  const out = await build({
    entryPoints: [join(root, 'examples/lab/lab.ts')], bundle: true, platform: 'browser', format: 'esm',
    // Splitting keeps what is imported on demand (the Gemma 3 vocabulary) out of lab.js.
    minify: true, splitting: true, write: false, outdir: '/lab', logLevel: 'warning', target: 'es2022',
  });
  const files = new Map([['/', readFileSync(join(root, 'examples/lab/index.html'))]]);
  for (const f of out.outputFiles) files.set(f.path.replace(/^.*\/lab\//, '/'), f.contents);
  const wasm = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  for (const f of readdirSync(wasm).filter((n) => n.endsWith('.wasm'))) files.set(`/${f}`, readFileSync(join(wasm, f)));
  for (const f of ['config.json', 'model.safetensors', 'tokens.json']) files.set(`/tiny-gemma/${f}`, readFileSync(join(root, 'examples/tiny-gemma', f)));
  return files;
}

const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '/': 'text/html; charset=utf-8' };

/** Serves the lab on 127.0.0.1:`port`; resolves to { url, close }. */
export async function serveLab(port = 5180) {
  const files = await labFiles();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname.replace(/\/index\.html$/, '/');
    const body = files.get(path);
    if (!body && path === '/favicon.ico') return void res.writeHead(204).end();
    if (!body) return void res.writeHead(404).end(`not found: ${path}`);
    const type = Object.entries(TYPES).find(([ext]) => path.endsWith(ext))?.[1] ?? 'application/octet-stream';
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (range) {
      const [from, to] = [Number(range[1]), Math.min(Number(range[2]), body.byteLength - 1)];
      res.writeHead(206, { 'content-type': type, 'content-range': `bytes ${from}-${to}/${body.byteLength}` });
      return void res.end(body.subarray(from, to + 1));
    }
    res.writeHead(200, { 'content-type': type }).end(body);
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
  const url = `http://localhost:${server.address().port}/`;
  return { url, close: () => new Promise((resolve) => server.close(resolve)) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { url } = await serveLab(Number(process.env.PORT ?? 5180));
  console.log(`Penjing circuit lab: ${url}  (Ctrl+C to stop)`);
}
