// The worked examples at the top of the core modules are run here, so the docs cannot drift
// from the code. Each example is the ```ts block of the module's opening comment; a line
// `expr; //=> value` is checked (deep equality, numbers to float32 precision).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const scratch = `${root}tests/.module-docs/`;

/** Modules whose opening comment teaches, with a worked example. */
const MODULES = ['packages/named-array/src/named-array.ts', 'packages/layers/src/core/layer.ts', 'packages/layers/src/select/selection.ts'];

/** The ```ts block of a file's opening comment, without the comment's ` * ` margins. */
export function moduleExample(source: string, file: string): string {
  const opening = /^\/\*\*\n([\s\S]*?)\n \*\//.exec(source);
  if (!opening) throw new Error(`${file} does not open with a /** ... */ comment`);
  const text = opening[1]!.split('\n').map((l) => l.replace(/^ \* ?/, '').replace(/^ \*$/, '')).join('\n');
  const block = /^```ts\n([\s\S]*?)^```$/m.exec(text);
  if (!block) throw new Error(`${file}'s opening comment has no \`\`\`ts example`);
  return block[1]!;
}

/** Turns `expr; //=> value` lines into checks. */
function withChecks(code: string): { code: string; checks: number } {
  let checks = 0;
  const out = code.split('\n').map((line, i) => {
    const m = /^(\s*)(.+?);\s*\/\/=>\s*(.+)$/.exec(line);
    if (!m) return line;
    checks++;
    return `${m[1]}__check(${m[2]}, ${m[3]}, ${JSON.stringify(`line ${i + 1}: ${m[2]}`)});`;
  });
  return { code: ['const __check = (globalThis as any).__moduleDocCheck;', ...out].join('\n'), checks };
}

function close(actual: unknown, expected: unknown): boolean {
  if (typeof actual === 'number' && typeof expected === 'number') return Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected));
  if (Array.isArray(actual) && Array.isArray(expected)) return actual.length === expected.length && actual.every((a, i) => close(a, expected[i]));
  if (actual && expected && typeof actual === 'object' && typeof expected === 'object') {
    const ka = Object.keys(actual).sort();
    const ke = Object.keys(expected).sort();
    return ka.join() === ke.join() && ka.every((k) => close((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k]));
  }
  return Object.is(actual, expected);
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('module docs: worked examples run', () => {
  for (const file of MODULES) {
    it(file, async () => {
      const { code, checks } = withChecks(moduleExample(readFileSync(root + file, 'utf8'), file));
      expect(checks, 'an example should show its results with //=> lines').toBeGreaterThanOrEqual(3);
      const failures: string[] = [];
      let ran = 0;
      (globalThis as Record<string, unknown>).__moduleDocCheck = (actual: unknown, expected: unknown, where: string) => {
        ran++;
        if (!close(actual, expected)) failures.push(`${where}\n    got ${JSON.stringify(actual)}\n    expected ${JSON.stringify(expected)}`);
      };
      mkdirSync(scratch, { recursive: true });
      const path = `${scratch}${file.replace(/[/.]/g, '_')}.ts`;
      writeFileSync(path, code);
      await import(/* @vite-ignore */ path);
      expect(failures).toEqual([]);
      expect(ran).toBe(checks);
    });
  }
});
