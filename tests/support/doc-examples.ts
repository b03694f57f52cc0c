// Reads the `@example` blocks of every doc comment in the packages' sources and type-checks
// them against the packages' public exports, so an example that names a function the package
// does not have (or calls one with the wrong arguments or options) fails a test.
//
// Examples are fragments: they use values the surrounding docs introduce (`model`, `tokens`,
// `tok`) without defining them. Such free names are left to the checker as `any`, except where the example
// calls or constructs them (`renderSelection(…)`, `new Foo(…)`), or where they look like an
// API name (Capitalised), which must then be an export of some package.
import ts from 'typescript';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface DocExample {
  /** Where the doc comment is: `packages/x/src/file.ts:line`. */
  readonly where: string;
  /** The source file the comment is in; the example also sees that module's own exports. */
  readonly file: string;
  readonly code: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'generated' ? [] : sourceFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every `@example` block in the `.ts` files under `srcDir` (a tag's text up to the next tag). */
export function docExamples(root: string, srcDir: string): DocExample[] {
  const out: DocExample[] = [];
  for (const file of sourceFiles(srcDir)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
      const lines = m[0].replace(/^\/\*\*|\*\/$/g, '').split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
      for (let i = 0; i < lines.length; i++) {
        // The tag usually starts a line, but one-line comments put it after a summary.
        const tag = /(?:^|\s)@example(?:\s(.*))?$/.exec(lines[i]!);
        if (!tag) continue;
        const body = [tag[1] ?? ''];
        for (let j = i + 1; j < lines.length && !/^\s*@\w/.test(lines[j]!); j++) body.push(lines[j]!);
        const code = body.join('\n').replace(/^```\w*$/gm, '').trim();
        const line = text.slice(0, m.index).split('\n').length + i;
        if (code) out.push({ where: `${relative(root, file)}:${line}`, file, code });
      }
    }
  }
  return out;
}

export interface ExampleProblem {
  readonly where: string;
  readonly message: string;
}

/**
 * Names the examples use for the reader's own code (a layer class they wrote, a model they
 * built, a loss they chose) or for a test's assertion; never reported as missing API.
 */
const ILLUSTRATIVE = new Set(['Block', 'Probe', 'Scale', 'Mlp', 'LoRA', 'buildModel', 'buildMlp', 'buildTrack', 'buildToy', 'mse', 'use', 'range', 'expect']);
/** Node modules an example may use without importing them. */
const NODE_IMPORTS: [string, string[]][] = [['node:fs', ['readFileSync', 'writeFileSync']], ['node:fs/promises', ['readFile', 'writeFile']]];

// 'Cannot find name' and its variants, and 'No value exists in scope for the shorthand property'.
const CANNOT_FIND = new Set([2304, 2552, 2582, 2580, 2583, 2584, 18004]);

/**
 * Type-checks the examples. `modules` maps each importable module name to the source file
 * holding its exports (e.g. `'@penjing/layers' → packages/layers/src/index.ts`); every
 * example sees `nx` (named-array), `tf` (tfjs) and every named export of every module.
 */
export function checkExamples(examples: readonly DocExample[], modules: Record<string, string>, options: { tf: string; nx: string }): ExampleProblem[] {
  const compilerOptions: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    strict: false,
    noImplicitAny: false,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    paths: Object.fromEntries(Object.entries(modules).map(([name, file]) => [name, [file]])),
  };
  // Which names each module exports, from a first program over the entry files.
  const base = ts.createProgram([...new Set([...Object.values(modules), ...examples.map((e) => e.file)])], compilerOptions);
  const checker = base.getTypeChecker();
  const exportsOf = new Map<string, string[]>();
  const seen = new Set<string>(['tf', 'nx']);
  for (const [name, file] of Object.entries(modules)) {
    const sf = base.getSourceFile(file);
    const sym = sf && checker.getSymbolAtLocation(sf);
    const names = sym ? checker.getExportsOfModule(sym).map((s) => s.name).filter((n) => n !== 'default' && !seen.has(n)) : [];
    names.forEach((n) => seen.add(n));
    exportsOf.set(name, names);
  }

  const localCache = new Map<string, string[]>();
  const localExports = (file: string) => {
    if (!localCache.has(file)) {
      const sf = base.getSourceFile(file);
      const sym = sf && checker.getSymbolAtLocation(sf);
      localCache.set(file, sym ? checker.getExportsOfModule(sym).map((x) => x.name).filter((n) => n !== 'default') : []);
    }
    return localCache.get(file)!;
  };
  const fileName = (i: number) => join(process.cwd(), `__doc_example_${i}.ts`);
  const wrap = (ex: DocExample) => {
    const own = [...ex.code.matchAll(/^import (?:[\s\S]*? from )?'[^']+';(?: *\/\/.*)?$/gm)].map((m) => m[0]);
    const body = own.reduce((code, line) => code.replace(line, ''), ex.code);
    const ownNames = new Set(own.flatMap((l) => [...l.matchAll(/\b(\w+)\b(?=[^']*from)/g)].map((m) => m[1]!)));
    const fromPackages = new Set([...exportsOf.values()].flat());
    const local = localExports(ex.file).filter((n) => !ownNames.has(n) && !fromPackages.has(n) && n !== 'tf' && n !== 'nx');
    const prelude = [
      local.length ? `import { ${local.join(', ')} } from '${ex.file.replace(/\.ts$/, '.js')}';` : '',
      ownNames.has('tf') ? '' : `import * as tf from '${options.tf}';`,
      ...NODE_IMPORTS.filter(([, names]) => names.every((n) => !ownNames.has(n))).map(([mod, names]) => `import { ${names.join(', ')} } from '${mod}';`),
      ownNames.has('nx') ? '' : `import * as nx from '${options.nx}';`,
      ...[...exportsOf].map(([mod, names]) => {
        const keep = names.filter((n) => !ownNames.has(n));
        return keep.length ? `import { ${keep.join(', ')} } from '${mod}';` : '';
      }),
    ];
    return `${[...prelude, ...own].join('\n')}\nexport {};\nasync function __example() {\n${body}\n}\n`;
  };

  const problems: ExampleProblem[] = [];
  const texts = new Map(examples.map((ex, i) => [fileName(i), wrap(ex)]));
  const host = ts.createCompilerHost(compilerOptions);
  const read = host.readFile.bind(host);
  host.readFile = (f) => texts.get(f) ?? read(f);
  const exists = host.fileExists.bind(host);
  host.fileExists = (f) => texts.has(f) || exists(f);
  const getSource = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lang, ...rest) => (texts.has(f) ? ts.createSourceFile(f, texts.get(f)!, lang) : getSource(f, lang, ...rest));
  const program = ts.createProgram([...texts.keys()], compilerOptions, host, base);
  examples.forEach((ex, i) => {
    const sf = program.getSourceFile(fileName(i))!;
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      // A free name the checker cannot find has an error type that behaves like \`any\`, so
      // nothing else is reported about it: harmless unless the example treats it as API.
      const name = CANNOT_FIND.has(d.code) ? /'([^']+)'/.exec(message)?.[1] : undefined;
      if (name && (ILLUSTRATIVE.has(name) || !isApiUse(sf, d.start!, name))) continue;
      problems.push({ where: ex.where, message: `${message}\n    in: ${ex.code.split('\n').join('\n        ')}` });
    }
  });
  return problems;
}

/** A free name is an API use (so must exist) when it is called, constructed or Capitalised. */
function isApiUse(sf: ts.SourceFile, start: number, name: string): boolean {
  if (/^[A-Z][a-z]/.test(name)) return true;
  const after = sf.text.slice(start + name.length).trimStart();
  const before = sf.text.slice(0, start).trimEnd();
  return after.startsWith('(') || /\bnew$/.test(before);
}
