// Keeps every workspace package's publishing metadata in step with the root package.json:
// licence, repository (with the package's directory), homepage, bugs, engines and
// publishConfig come from the root; the LICENSE file is copied into each package. Keywords,
// sideEffects, description and files are each package's own and are only checked.
//
//   node scripts/package-metadata.mjs           rewrite what differs (prints what it changed)
//   node scripts/package-metadata.mjs --check   exit 1 and say what differs, change nothing
//
// Workspaces are read from the root package.json, so a new package is covered by adding it there.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

/** The workspace directories (relative to the root) named in the root package.json. */
export function workspaces(root = ROOT) {
  const { workspaces: ws } = readJson(join(root, 'package.json'));
  if (!Array.isArray(ws)) throw new Error('package.json: "workspaces" must be an array of directories');
  return ws;
}

/** The fields a package's package.json must have, derived from the root package.json. */
export function expectedFields(root, dir) {
  const top = readJson(join(root, 'package.json'));
  const web = top.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
  return {
    license: top.license,
    repository: { type: 'git', url: top.repository.url, directory: dir },
    homepage: `${web}/tree/main/${dir}#readme`,
    bugs: top.bugs,
    engines: top.engines,
    publishConfig: { access: 'public' },
  };
}

/** What is wrong with one package's metadata, as messages naming the file and field. */
export function problems(root, dir) {
  const file = join(dir, 'package.json');
  const pkg = readJson(join(root, file));
  const out = [];
  for (const [key, want] of Object.entries(expectedFields(root, dir))) {
    if (JSON.stringify(pkg[key]) !== JSON.stringify(want)) out.push(`${file}: "${key}" should be ${JSON.stringify(want)} (run node scripts/package-metadata.mjs)`);
  }
  if (!Array.isArray(pkg.keywords) || !pkg.keywords.includes('penjing')) out.push(`${file}: "keywords" must be a list that includes "penjing"`);
  if (!('sideEffects' in pkg)) out.push(`${file}: "sideEffects" is missing (false, or the list of modules that register something on import)`);
  if (!pkg.description) out.push(`${file}: "description" is missing`);
  if (!Array.isArray(pkg.files) || !pkg.files.includes('dist') || !pkg.files.includes('!dist/.tsbuildinfo')) {
    out.push(`${file}: "files" must include "dist" and "!dist/.tsbuildinfo"`);
  }
  for (const field of ['dependencies', 'peerDependencies', 'devDependencies']) {
    for (const [name, range] of Object.entries(pkg[field] ?? {})) {
      const sibling = workspaces(root).map((d) => readJson(join(root, d, 'package.json'))).find((p) => p.name === name);
      if (sibling && range !== sibling.version) out.push(`${file}: ${field}["${name}"] is "${range}"; the packages are released together, so it must be exactly "${sibling.version}"`);
    }
  }
  if (!pkg.scripts?.prepack) out.push(`${file}: "scripts.prepack" must build the package, so a tarball always holds dist/`);
  const license = readFileSync(join(root, 'LICENSE'), 'utf8');
  const own = join(root, dir, 'LICENSE');
  if (!existsSync(own) || readFileSync(own, 'utf8') !== license) out.push(`${dir}/LICENSE: missing or not the root LICENSE (run node scripts/package-metadata.mjs)`);
  return out;
}

/** Writes the derived fields and the LICENSE into one package; returns what it changed. */
export function sync(root, dir) {
  const path = join(root, dir, 'package.json');
  const pkg = readJson(path);
  const changed = [];
  const want = expectedFields(root, dir);
  // Keep the package's own key order; add new keys after "description".
  const next = {};
  for (const [key, value] of Object.entries(pkg)) {
    next[key] = key in want ? want[key] : value;
    if (key === 'description') for (const k of Object.keys(want)) if (!(k in pkg)) next[k] = want[k];
  }
  for (const k of Object.keys(want)) if (!(k in next)) next[k] = want[k];
  for (const k of Object.keys(want)) if (JSON.stringify(pkg[k]) !== JSON.stringify(want[k])) changed.push(`${dir}/package.json ${k}`);
  if (changed.length) writeFileSync(path, JSON.stringify(next, null, 2) + '\n');
  const license = readFileSync(join(root, 'LICENSE'), 'utf8');
  const own = join(root, dir, 'LICENSE');
  if (!existsSync(own) || readFileSync(own, 'utf8') !== license) {
    writeFileSync(own, license);
    changed.push(`${dir}/LICENSE`);
  }
  return changed;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const found = [];
  for (const dir of workspaces()) found.push(...(check ? problems(ROOT, dir) : sync(ROOT, dir)));
  if (check) {
    for (const p of found) console.error(p);
    process.exit(found.length ? 1 : 0);
  }
  console.log(found.length ? `package-metadata: updated ${found.join(', ')}` : 'package-metadata: all in step');
}
