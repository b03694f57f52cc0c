/** Small configs and scratch directories shared by the gemma tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gemmaPreset, type GemmaConfig, type GemmaPresetName } from '@penjing/gemma';

/**
 * A small config of a preset's family, with every other option as the preset has it.
 * @example tiny('gemma3_1b', { numLayers: 3 })
 */
export function tiny(name: GemmaPresetName, over: Partial<GemmaConfig> = {}): GemmaConfig {
  return gemmaPreset(name, { numLayers: 2, embedDim: 16, hiddenDim: 24, numHeads: 4, numKvHeads: 2, headDim: 8, queryPreAttnScalar: 8, vocabSize: 120, ...over });
}

/**
 * A temporary directory handing out fresh subdirectory names; `remove()` deletes it all.
 * @example const scratch = scratchDirs('penjing-x-'); afterAll(scratch.remove); const dir = scratch.fresh();
 */
export function scratchDirs(prefix: string): { fresh: () => string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  let counter = 0;
  return { fresh: () => join(root, `case${counter++}`), remove: () => rmSync(root, { recursive: true, force: true }) };
}
