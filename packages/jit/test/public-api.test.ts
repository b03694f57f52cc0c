/** The public runtime names of @penjing/jit, listed by hand so API changes are deliberate. */
import { expect, it } from 'vitest';
import * as jitPackage from '@penjing/jit';

it('@penjing/jit exports exactly these names', () => {
  expect(Object.keys(jitPackage).sort()).toEqual(['JitError', 'JittedModel', 'bucketLength', 'compiledKernels', 'jit', 'releaseCompiledGeneration', 'useOnnxRuntime']);
});
