// Prints what `npm pack` would put in each workspace package's tarball: packed and unpacked
// size and file count, and any file that should not be there (.tsbuildinfo, scripts/).
//
//   node scripts/pack-sizes.mjs
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, workspaces } from './package-metadata.mjs';

const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
for (const dir of workspaces()) {
  // --ignore-scripts: report the tarball of what is built now, without rebuilding.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: join(ROOT, dir), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [r] = JSON.parse(out);
  const stray = r.files.filter((f) => /tsbuildinfo|^scripts\//.test(f.path)).map((f) => f.path);
  console.log(`${r.name.padEnd(24)} packed ${kb(r.size).padStart(9)}  unpacked ${kb(r.unpackedSize).padStart(10)}  ${String(r.entryCount).padStart(4)} files${stray.length ? `  stray: ${stray.join(', ')}` : ''}`);
}
