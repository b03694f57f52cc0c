/**
 * The text `penjing inspect` prints: what the model is (config), how many parameters it has
 * and along which axes, which layer types it is built from, and an outline of the layer tree
 * in which runs of identical sibling layers (e.g. 17 equal blocks) fold into one line.
 */
import { NamedArray, formatNamedShape } from '@penjing/named-array';
import { Layer, Parameter, ParameterSlot, childrenOf, isContainer, structureEquals, walk } from '@penjing/layers';
import { describeModel } from '../family.js';

/** Parameter and layer statistics of a tree. */
export interface ModelStats {
  /** Scalars in all distinct parameters (a tied parameter counts once). */
  readonly parameterCount: number;
  readonly parameterBytes: number;
  /** Distinct Parameter objects. */
  readonly parameterArrays: number;
  /** Parameters reached from more than one place (tied weights). */
  readonly tied: number;
  /** Every named axis of the parameters with its sizes. */
  readonly axes: ReadonlyMap<string, readonly number[]>;
  /** Layer type name → count, most frequent first. */
  readonly layerTypes: ReadonlyMap<string, number>;
}

/**
 * Counts parameters (by identity, so tied weights count once), their axes and the layer types.
 * @example modelStats(model).parameterCount
 */
export function modelStats(tree: unknown): ModelStats {
  const seen = new Map<Parameter, number>();
  const layerTypes = new Map<string, number>();
  walk(tree, (node) => {
    if (node instanceof Parameter) {
      seen.set(node, (seen.get(node) ?? 0) + 1);
      return false;
    }
    if (node instanceof ParameterSlot) return false;
    if (node instanceof Layer) layerTypes.set(node.typeName(), (layerTypes.get(node.typeName()) ?? 0) + 1);
  });
  let count = 0;
  let bytes = 0;
  const axes = new Map<string, Set<number>>();
  for (const p of seen.keys()) {
    const v = p.value as NamedArray;
    count += v.size;
    bytes += v.size * (v.dtype === 'bool' ? 1 : 4);
    for (const [n, s] of Object.entries(v.namedShape as Record<string, number>)) {
      if (!axes.has(n)) axes.set(n, new Set());
      axes.get(n)!.add(s);
    }
  }
  const sortedAxes = new Map([...axes.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([n, s]) => [n, [...s].sort((x, y) => x - y)]));
  const sortedTypes = new Map([...layerTypes.entries()].sort(([a, x], [b, y]) => y - x || a.localeCompare(b)));
  return { parameterCount: count, parameterBytes: bytes, parameterArrays: seen.size, tied: [...seen.values()].filter((n) => n > 1).length, axes: sortedAxes, layerTypes: sortedTypes };
}

/** ` (one line from the model's family)`, or nothing when no registered family knows the model. */
function describeLine(model: Layer): string {
  const d = describeModel(model);
  return d === undefined ? '' : ` (${d})`;
}

const thousands = (n: number) => n.toLocaleString('en-US');

/**
 * The whole inspect report: header, parameter statistics, axes, layer types and the outline.
 * @example console.log(formatSummary(model, { title: 'models/gemma-3-270m', depth: 3 }))
 */
export function formatSummary(model: Layer, options: { title?: string; depth?: number } = {}): string {
  const s = modelStats(model);
  const lines = [
    `${options.title ? `${options.title}: ` : ''}${model.typeName()}${describeLine(model)}`,
    `Parameters: ${thousands(s.parameterCount)} in ${s.parameterArrays} arrays (${(s.parameterBytes / 2 ** 20).toFixed(1)} MiB as float32)${s.tied ? `; ${s.tied} tied (counted once)` : ''}`,
    `Axes: ${[...s.axes.entries()].map(([n, sizes]) => `${n} ${sizes.join('|')}`).join(', ')}`,
    `Layer types: ${[...s.layerTypes.entries()].map(([t, n]) => `${t} ×${n}`).join(', ')}`,
    'Tree:',
    ...outline(model, options.depth ?? 5),
  ];
  return lines.join('\n');
}

/**
 * An indented outline of the layers of a tree, to `depth` levels; consecutive sibling layers
 * with the same structure fold into one line (`sublayers[3…19]: TransformerBlock ×17`).
 * @example outline(model, 2)
 */
export function outline(tree: Layer, depth: number): string[] {
  const lines: string[] = [`${tree.typeName()}${details(tree)}`];
  visit(tree, 1, depth, lines);
  return lines;
}

function visit(node: unknown, level: number, depth: number, lines: string[]): void {
  if (level > depth) return;
  const pad = '  '.repeat(level);
  for (const [key, child] of childrenOf(node)) {
    const name = key.kind === 'field' ? key.name : key.kind === 'key' ? key.key : String(key.index);
    if (child instanceof Layer) {
      lines.push(`${pad}${name}: ${child.typeName()}${details(child)}`);
      visit(child, level + 1, depth, lines);
    } else if (Array.isArray(child) && child.some((c) => c instanceof Layer)) {
      for (let i = 0; i < child.length; ) {
        let j = i + 1;
        while (j < child.length && sameStructure(child[j], child[i])) j++;
        const item = child[i] as Layer;
        const label = j - i > 1 ? `${name}[${i}…${j - 1}]: ${item.typeName()} ×${j - i}` : `${name}[${i}]: ${item.typeName()}`;
        lines.push(`${pad}${label}${details(item)}`);
        visit(item, level + 1, depth, lines);
        i = j;
      }
    } else if (child && typeof child === 'object' && !(child instanceof NamedArray) && !(child instanceof Parameter) && !(child instanceof ParameterSlot)) {
      // Records of layers (e.g. side-input computations) are rare; show their layer entries only.
      if (childrenOf(child).some(([, c]) => c instanceof Layer)) visit(child, level, depth, lines);
    }
  }
}

/** Layer settings worth a glance: numbers, strings and names, and parameter labels with shapes. */
function details(layer: Layer): string {
  const parts: string[] = [];
  for (const [key, v] of childrenOf(layer)) {
    if (key.kind !== 'field') continue;
    if (v instanceof Parameter) parts.push(`${v.label} ${formatNamedShape(v.value.namedShape)}`);
    else if (v instanceof ParameterSlot) parts.push(`${v.label} (unbound)`);
    else if (typeof v === 'number' || typeof v === 'boolean') parts.push(`${key.name}=${v}`);
    else if (typeof v === 'string' && key.name !== 'name') parts.push(`${key.name}=${v}`);
    else if (typeof v === 'string') parts.push(JSON.stringify(v));
    else if (Array.isArray(v) && v.length && v.every((x) => typeof x === 'string')) parts.push(`${key.name}=[${v.join(', ')}]`);
  }
  const text = parts.join(', ');
  return text ? ` (${text.length > 110 ? `${text.slice(0, 107)}…` : text})` : '';
}

/**
 * Same layer types, fields and settings all the way down, with parameters compared by named
 * shape only (their labels name the block, so equal blocks always differ there).
 */
function sameStructure(a: unknown, b: unknown): boolean {
  if (a instanceof Parameter || b instanceof Parameter) {
    return a instanceof Parameter && b instanceof Parameter && formatNamedShape(a.value.namedShape) === formatNamedShape(b.value.namedShape);
  }
  if (a instanceof ParameterSlot || b instanceof ParameterSlot) return a instanceof ParameterSlot && b instanceof ParameterSlot;
  if (a instanceof NamedArray || b instanceof NamedArray) return structureEquals(a, b);
  const ka = childrenOf(a);
  const kb = childrenOf(b);
  if (!isContainer(a) && !isContainer(b)) return typeof a === 'function' ? typeof b === 'function' && a.name === (b as { name: string }).name : Object.is(a, b);
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b) || ka.length !== kb.length) return false;
  return ka.every(([k, v], i) => JSON.stringify(k) === JSON.stringify(kb[i]![0]) && sameStructure(v, kb[i]![1]));
}
