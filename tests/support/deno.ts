// Runs `deno test` with the workspace's own Deno (npm package `deno`). Deno resolves every
// import from node_modules (root deno.json: "nodeModulesDir": "manual") and must not reach
// the network. Built modules need their ts-self-types line (npm run build writes it; a bare
// `tsc -b` does not), so this writes it first.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The deno binary from node_modules (the npm package `deno` ships it). */
export function denoBinary(): string {
  const candidates = [
    'node_modules/deno/deno',
    'node_modules/@deno/linux-x64-glibc/deno',
    'node_modules/@deno/linux-arm64-glibc/deno',
    'node_modules/.bin/deno',
  ].map((p) => fileURLToPath(new URL(`../../${p}`, import.meta.url)));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`No deno binary under node_modules (looked for ${candidates.join(', ')}); run npm ci`);
  return found;
}

/** `deno test -A --cached-only <dir>`; resolves to its output, rejects with it on failure. */
export async function denoTest(dir: string, options: { env?: Record<string, string>; timeoutMs: number }): Promise<string> {
  await promisify(execFile)(process.execPath, ['scripts/add-self-types.mjs'], { cwd: REPO_ROOT });
  const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1', ...options.env };
  try {
    const { stdout, stderr } = await promisify(execFile)(denoBinary(), ['test', '-A', '--cached-only', dir], {
      cwd: REPO_ROOT, env, maxBuffer: 16 << 20, timeout: options.timeoutMs,
    });
    return stdout + stderr;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`deno test ${dir} failed: ${err.message}\n--- stdout\n${err.stdout ?? ''}\n--- stderr\n${err.stderr ?? ''}`);
  }
}
