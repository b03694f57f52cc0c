import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Elementwise } from '@penjing/layers';
import { CheckpointError } from '@penjing/io';
import { describeModel, loadPretrainedModel, modelFamilies, registerFamily, tokenizerFamilyOf, type FamilyLoadOptions } from '@penjing/transformer';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'penjing-family-'));
  await writeFile(join(dir, 'config.json'), JSON.stringify({ model_type: 'toy_lm' }));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('model families', () => {
  it('a checkpoint whose model_type no family reads fails naming the file, the type and the fix', async () => {
    const err = await loadPretrainedModel(dir).catch((e) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect(err.message).toContain(join(dir, 'config.json'));
    expect(err.message).toContain('"toy_lm"');
    expect(err.message).toMatch(/import/);
  });

  it('loads through the family that claims the model_type, and asks the families about a model', async () => {
    const calls: [string, FamilyLoadOptions][] = [];
    const toy = new Elementwise({ fn: 'relu' });
    registerFamily({
      name: 'toy',
      modelTypes: ['toy_lm'],
      fromPretrained: async (path, options) => {
        calls.push([path, options]);
        return toy;
      },
      describe: (m) => (m === toy ? 'toy: 0 layers' : undefined),
      tokenizerFamily: (m) => (m === toy ? 'gemma3' : undefined),
    });
    expect(modelFamilies().map((f) => f.name)).toContain('toy');
    const model = await loadPretrainedModel(dir, { quiet: true });
    expect(model).toBe(toy);
    expect(calls).toEqual([[dir, { quiet: true }]]);
    expect(describeModel(toy)).toBe('toy: 0 layers');
    expect(tokenizerFamilyOf(toy)).toBe('gemma3');
    expect(describeModel(new Elementwise({ fn: 'gelu' }))).toBeUndefined();
  });

  it('a missing directory fails before any family is asked', async () => {
    await expect(loadPretrainedModel(join(dir, 'nope'))).rejects.toThrow(/no such file or directory/);
  });
});
