// Builds the API reference with TypeDoc from every workspace package's sources
// (src/index.ts) into out/docs: one site, a module per package, links across packages.
//
//   npm run docs                  (node scripts/docs.mjs [--out DIR])
//
// Broken {@link} references are warnings, and any warning fails the build (exit 1), so the
// reference cannot silently lose a link. Types that a public signature mentions but the
// package does not export are shown by name only (validation.notExported is off).
import { Application, LogLevel } from 'typedoc';
import { join } from 'node:path';
import { ROOT, workspaces } from './package-metadata.mjs';

const outIndex = process.argv.indexOf('--out');
const out = outIndex > 0 ? process.argv[outIndex + 1] : join(ROOT, 'out', 'docs');

const VALIDATION = { invalidLink: true, rewrittenLink: true, notExported: false, notDocumented: false, unusedMergeModuleWith: true };
const app = await Application.bootstrapWithPlugins({
  name: 'Penjing',
  entryPointStrategy: 'packages',
  entryPoints: workspaces().map((dir) => join(ROOT, dir)),
  // In 'packages' mode each package is converted with these options, so validation goes here too.
  packageOptions: { entryPoints: ['src/index.ts'], validation: VALIDATION },
  readme: join(ROOT, 'README.md'),
  out,
  validation: VALIDATION,
  treatWarningsAsErrors: true,
  logLevel: LogLevel.Warn,
  githubPages: false,
});
const project = await app.convert();
if (project) app.validate(project);
if (!project || app.logger.hasErrors() || app.logger.hasWarnings()) {
  console.error('docs: TypeDoc reported problems (above); no reference written.');
  process.exit(1);
}
await app.generateOutputs(project);
if (app.logger.hasErrors() || app.logger.hasWarnings()) process.exit(1);
console.log(`docs: API reference for ${workspaces().length} packages written to ${out}`);
