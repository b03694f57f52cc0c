// Gemma on WebGPU in Deno (tests/deno-webgpu/): every numerics fixture against PyTorch and a
// patched-model check, on tfjs-backend-webgpu. Machines without a GPU use Mesa's lavapipe
// (Debian's mesa-vulkan-drivers, installed by scripts/install-system-deps.sh); Vulkan's
// loader wants an XDG_RUNTIME_DIR, so one is made when the environment has none.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { denoTest } from './support/deno.js';

describe('deno + webgpu', () => {
  it('deno test tests/deno-webgpu/ passes (fixtures and a patched model on webgpu)', async () => {
    const runtimeDir = process.env.XDG_RUNTIME_DIR ?? mkdtempSync(join(tmpdir(), 'penjing-xdg-'));
    const out = await denoTest('tests/deno-webgpu/', { env: { XDG_RUNTIME_DIR: runtimeDir }, timeoutMs: 300_000 });
    expect(out).toMatch(/ok \| \d+ passed \| 0 failed/);
  });
});
