// Every `@example` in the packages' doc comments type-checks against the packages' public
// exports (tests/support/doc-examples.ts says how fragments are treated), so the API
// reference never shows an example that names something the packages lack.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { checkExamples, docExamples } from './support/doc-examples.js';

const root = join(import.meta.dirname, '..');
const workspaces: string[] = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces;
const packages = workspaces.map((dir) => ({ dir, name: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')).name as string }));

it('every @example in the sources type-checks against the public exports, and broken ones are caught', () => {
  const examples = packages.flatMap(({ dir }) => docExamples(root, join(root, dir, 'src')));
  expect(examples.length).toBeGreaterThan(300);
  // Known-bad examples checked in the same program (one type-check instead of two).
  const file = join(root, packages[0]!.dir, 'src', 'index.ts');
  const bad = [
    { where: 'bad:renderSelection', file, code: 'view(select(model).atInstancesOf(Softmax));\nrenderSelection(select(model));' },
    { where: 'bad:method', file, code: "const x = nx.fromArray([1, 2], ['seq']);\nx.noSuchMethod();" },
    { where: 'bad:syntax', file, code: 'const ids = tok.encode(…);' },
  ];
  const modules = Object.fromEntries(packages.map(({ dir, name }) => [name, join(root, dir, 'src', 'index.ts')]));
  const problems = checkExamples([...examples, ...bad], modules, { tf: '@tensorflow/tfjs', nx: '@penjing/named-array' });
  const real = problems.filter((p) => !p.where.startsWith('bad:'));
  expect(real.map((p) => `${p.where}: ${p.message}`)).toEqual([]);
  const caught = problems.filter((p) => p.where.startsWith('bad:'));
  expect([...new Set(caught.map((p) => p.where))]).toEqual(bad.map((b) => b.where));
  expect(caught[0]!.message).toMatch(/Cannot find name 'renderSelection'/);
  expect(caught.find((p) => p.where === 'bad:method')!.message).toMatch(/noSuchMethod/);
}, 180_000);
