// Publishing metadata: every workspace package (from the root package.json) carries the
// root's licence, repository, homepage, bugs and engines, its own keywords and description, a
// prepack build and the LICENSE file (scripts/package-metadata.mjs), and its `sideEffects`
// field names every module that does something on import, so a bundler that drops unused
// modules never drops a gradient, backend or factory registration.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';
// scripts/package-metadata.mjs is plain JavaScript, shared with the command line.
import { problems, workspaces, ROOT } from '../scripts/package-metadata.mjs';

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

it('every package has the publishing metadata, LICENSE and exact sibling versions', () => {
  const found = (workspaces() as string[]).flatMap((dir) => problems(ROOT, dir) as string[]);
  expect(found).toEqual([]);
});

/**
 * Top-level statements that run code on import: bare imports, and anything that is not a
 * declaration (calls, loops that install methods, ifs). Variable initialisers are not looked
 * into; a registration hidden in one would escape this check.
 */
function sideEffectsOf(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  return sf.statements.flatMap((st) => {
    if (ts.isImportDeclaration(st)) return st.importClause ? [] : [`import ${st.moduleSpecifier.getText(sf)}`];
    const declaration = ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) ||
      ts.isEnumDeclaration(st) || ts.isModuleDeclaration(st) || ts.isVariableStatement(st) || ts.isExportDeclaration(st) ||
      ts.isExportAssignment(st) || ts.isImportEqualsDeclaration(st) || ts.isEmptyStatement(st);
    return declaration ? [] : [st.getText(sf).split('\n')[0]!.slice(0, 60)];
  });
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : []));
}

it('sideEffects lists every module with top-level effects', () => {
  const missing: string[] = [];
  for (const dir of workspaces() as string[]) {
    const pkg = readJson(join(ROOT, dir, 'package.json'));
    const listed: string[] = Array.isArray(pkg.sideEffects) ? pkg.sideEffects : [];
    // The viewer's client bundle is inlined as a string, never imported as a module.
    for (const file of tsFiles(join(ROOT, dir, 'src')).filter((f) => !f.includes('/client/'))) {
      const effects = sideEffectsOf(file);
      // Both the built module (what users import) and its source (what a bundler sees when
      // it bundles src/, as the browser tests do) must be listed.
      const source = `./${relative(join(ROOT, dir), file)}`;
      const dist = source.replace(/^\.\/src\//, './dist/').replace(/\.ts$/, '.js');
      for (const path of [dist, source]) {
        if (effects.length && !listed.includes(path)) missing.push(`${dir}/package.json sideEffects lacks "${path}" (${effects.join('; ')})`);
      }
    }
  }
  expect(missing).toEqual([]);
});
