// Penzai's at_instances_of(int) selects ints; JS primitives are not instances of Number, so
// the built-in constructors select JS values by type.
import { describe, expect, it } from 'vitest';
import { Identity, Sequential, Struct, keyPathToString, select } from '../src/index.js';

class Scale extends Struct {
  static override readonly fields = ['by', 'name', 'on', 'extra'] as const;
  declare readonly by: number;
  declare readonly name: string;
  declare readonly on: boolean;
  declare readonly extra: Record<string, unknown>;
  constructor(f: { by: number; name: string; on: boolean; extra: Record<string, unknown> }) {
    super(f);
  }
}

const tree = new Sequential({ sublayers: [new Scale({ by: 2, name: 's', on: true, extra: { k: 3, tags: ['a', 'b'] } }), new Identity()] });
const paths = (s: { getKeypaths(): readonly (readonly unknown[])[] }) => s.getKeypaths().map((p) => keyPathToString(p as never));

describe('atInstancesOf with built-in types', () => {
  it('Number, String and Boolean select primitives of that type, in tree order', () => {
    expect(select(tree).atInstancesOf(Number).getSequence()).toEqual([2, 3]);
    expect(paths(select(tree).atInstancesOf(Number))).toEqual(['.sublayers[0].by', '.sublayers[0].extra["k"]']);
    expect(select(tree).atInstancesOf(String).getSequence()).toEqual(['s', 'a', 'b']);
    expect(select(tree).atInstancesOf(Boolean).getSequence()).toEqual([true]);
    expect(select(tree).atInstancesOf([Number, Boolean]).count()).toBe(3);
  });

  it('Array selects arrays, Object plain records only (not structs)', () => {
    // The outermost array is the sublayers list itself.
    expect(select(tree).atInstancesOf(Array).count()).toBe(1);
    expect(select(tree).atInstancesOf(Array, { innermost: true }).getSequence()).toEqual([['a', 'b']]);
    expect(select(tree).atInstancesOf(Object).getSequence()).toEqual([{ k: 3, tags: ['a', 'b'] }]);
  });

  it('writes through a type selection', () => {
    const doubled = select(tree).atInstancesOf(Number).apply((n) => n * 2);
    expect(select(doubled).atInstancesOf(Number).getSequence()).toEqual([4, 6]);
  });

  it('a non-class is an error that says how to select values', () => {
    expect(() => select(tree).atInstancesOf(3 as never)).toThrow(/needs a class.*atEqualTo\(value\)/);
  });
});
