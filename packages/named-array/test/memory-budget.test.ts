// The memory budget that oversized computations are checked against before they allocate.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';

beforeAll(async () => {
  await nx.ready();
});

describe('memoryBudget and checkMemory', () => {
  it('on wasm: the usable heap minus live tensors; a larger estimate throws before anything is allocated', () => {
    expect(tf.getBackend()).toBe('wasm');
    const budget = nx.memoryBudget();
    expect(budget).toBeGreaterThan(1e9);
    expect(budget).toBeLessThan(nx.WASM_HEAP_BYTES);
    const kept = tf.zeros([1024 * 1024]);
    expect(nx.memoryBudget()).toBe(budget - 4 * 1024 * 1024);
    kept.dispose();
    const before = tf.memory().numTensors;
    expect(() => nx.checkMemory(8 * 2 ** 30, 'an 8 GiB thing', 'Make it smaller.')).toThrow(nx.MemoryBudgetError);
    expect(() => nx.checkMemory(8 * 2 ** 30, 'an 8 GiB thing', 'Make it smaller.')).toThrow(/an 8 GiB thing needs about 8\.0 GiB, but the wasm backend has about [\d.]+ GiB free\. Make it smaller\. Nothing was allocated/);
    expect(() => nx.checkMemory(Infinity, 'x', 'y')).toThrow(/unboundedly much memory/);
    expect(() => nx.checkMemory(1e6, 'a small thing', 'n/a')).not.toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('setHeapLimit plans for a smaller heap, on any backend, and null undoes it', () => {
    const budget = nx.memoryBudget();
    try {
      nx.setHeapLimit(2 ** 30);
      expect(nx.memoryBudget()).toBeCloseTo(Math.max(0, 0.85 * 2 ** 30 - tf.memory().numBytes), 0);
      expect(() => nx.checkMemory(2 ** 30, 'a 1 GiB thing', 'Make it smaller.')).toThrow(/has about 0\.\d+ GiB free/);
      expect(() => nx.setHeapLimit(0)).toThrow(/setHeapLimit: expected a positive number of bytes or null; got 0/);
      expect(() => nx.setHeapLimit(Number.NaN)).toThrow(RangeError);
    } finally {
      nx.setHeapLimit(null);
    }
    expect(nx.memoryBudget()).toBe(budget);
  });
});
