/**
 * The shape of the code base, checked so that it stays that way:
 * - no import cycle between the modules of any package's src (runtime imports: a type-only
 *   import is erased by tsc and cannot make an initialisation-order bug);
 * - the packages depend on each other one way only, each through a declared dependency
 *   (named-array <- layers <- io/transformer <- interp/gemma; viewer reads named-array and layers);
 * - no source file over 400 lines;
 * - `@penjing/io`'s main entry reaches no Node module (it runs in browsers).
 * The module graph comes from dpdm, which resolves imports with TypeScript's own parser.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCircular, parseDependencyTree, type DependencyTree } from 'dpdm';

const root = fileURLToPath(new URL('..', import.meta.url));
const packagesDir = join(root, 'packages');
const packageDirs = readdirSync(packagesDir).filter((d) => !d.startsWith('.'));

let tree: Promise<DependencyTree> | undefined;
/** The module graph of every package's src (parsed once for all the checks). */
function moduleTree(): Promise<DependencyTree> {
  return (tree ??= parseDependencyTree(['packages/*/src/**/*.ts'], {
    cwd: root,
    context: root,
    transform: true, // drop type-only imports (erased at compile time)
    skipDynamicImports: false,
    exclude: /node_modules|\/dist\//,
  }));
}

function manifest(dir: string): { name: string; deps: Set<string> } {
  const pkg = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8'));
  return { name: pkg.name, deps: new Set(Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })) };
}

/** Every cycle among the nodes of a directed graph, as `a -> b -> a` strings (depth-first search). */
function cyclesOf(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'open') cycles.push([...stack.slice(stack.indexOf(m)), m].join(' -> '));
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of graph.keys()) if (!state.has(n)) visit(n);
  return cycles;
}

describe('architecture', () => {
  it('no module imports itself back, directly or through others (packages/*/src)', async () => {
    const tree = await moduleTree();
    expect(Object.keys(tree).length).toBeGreaterThan(100); // the glob really found the sources
    const cycles = parseCircular(tree).map((c) => [...c, c[0]].join(' -> '));
    expect(cycles, `import cycles:\n${cycles.join('\n')}`).toEqual([]);
  });

  it('packages depend one way, each on packages it declares', async () => {
    const tree = await moduleTree();
    const byName = new Map(packageDirs.map((d) => [manifest(d).name, d]));
    const graph = new Map<string, Set<string>>(packageDirs.map((d) => [manifest(d).name, new Set<string>()]));
    const undeclared: string[] = [];
    for (const [file, deps] of Object.entries(tree)) {
      const dir = /^packages\/([^/]+)\/src\//.exec(file.replace(/\\/g, '/'))?.[1];
      if (!dir || !deps) continue;
      const { name, deps: declared } = manifest(dir);
      for (const d of deps) {
        const target = /^(@penjing\/[^/]+)/.exec(d.request)?.[1];
        if (!target || target === name) continue;
        if (!byName.has(target)) undeclared.push(`${file} imports unknown package ${target}`);
        else if (!declared.has(target)) undeclared.push(`${file} imports ${target}, which ${name}'s package.json does not declare`);
        graph.get(name)!.add(target);
      }
    }
    expect(undeclared).toEqual([]);
    expect(cyclesOf(graph)).toEqual([]);
    // The layering of DESIGN.md, edge by edge.
    const lower = (a: string, b: string) => graph.get(a)!.has(b);
    expect(lower('@penjing/transformer', '@penjing/gemma')).toBe(false);
    expect(lower('@penjing/io', '@penjing/layers') || lower('@penjing/io', '@penjing/named-array')).toBe(false);
    expect(lower('@penjing/interp', '@penjing/gemma')).toBe(false);
    expect(lower('@penjing/gemma', '@penjing/transformer') && lower('@penjing/gemma', '@penjing/io')).toBe(true);
  });

  it("@penjing/io's main entry is browser-safe: no Node module is reachable from it", async () => {
    const tree = await moduleTree();
    const seen = new Set<string>();
    const nodeImports: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const d of tree[file] ?? []) {
        if (/^node:|^(fs|path|os|child_process|cli-progress)$/.test(d.request)) nodeImports.push(`${file} imports ${d.request}`);
        else if (d.id && d.id.startsWith('packages/')) visit(d.id);
      }
    };
    visit('packages/io/src/index.ts');
    expect(seen.size).toBeGreaterThan(3);
    expect(nodeImports).toEqual([]);
    // and the Node entry does reach the file system (so the walk above can find one)
    seen.clear();
    visit('packages/io/src/node.ts');
    expect(nodeImports.length).toBeGreaterThan(0);
  });

  it('the cycle search finds a cycle when there is one (so the checks above can fail)', () => {
    const g = new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])], ['d', new Set<string>()]]);
    expect(cyclesOf(g)).toEqual(['a -> b -> c -> a']);
    const twoModules: DependencyTree = {
      'x.ts': [{ issuer: 'x.ts', request: './y.js', kind: 0 as never, id: 'y.ts' }],
      'y.ts': [{ issuer: 'y.ts', request: './x.js', kind: 0 as never, id: 'x.ts' }],
    };
    expect(parseCircular(twoModules)).toEqual([['x.ts', 'y.ts']]);
  });

  it('no source file is over 400 lines', () => {
    const long: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts')) {
          const lines = readFileSync(p, 'utf8').split('\n').length;
          if (lines > 401) long.push(`${p.slice(root.length)}: ${lines} lines`);
        }
      }
    };
    for (const d of packageDirs) walk(join(packagesDir, d, 'src'));
    expect(long).toEqual([]);
  });
});
