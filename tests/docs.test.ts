// The API reference (npm run docs → scripts/docs.mjs, TypeDoc) builds from the sources with no
// warnings, broken {@link}s included, and has a page per package.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const out = mkdtempSync(join(tmpdir(), 'penjing-docs-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

it('npm run docs builds the API reference without warnings', () => {
  const run = spawnSync(process.execPath, [join(root, 'scripts', 'docs.mjs'), '--out', out], { cwd: root, encoding: 'utf8' });
  expect(run.stderr + run.stdout).not.toMatch(/warning|error/i);
  expect(run.status).toBe(0);
  const index = readFileSync(join(out, 'modules.html'), 'utf8');
  const workspaces: string[] = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces;
  for (const dir of workspaces) {
    const name: string = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')).name;
    expect(index).toContain(name);
  }
  expect(existsSync(join(out, 'functions'))).toBe(true);
}, 180_000);
