import { NamedAxisError, formatNames } from './errors.js';

/**
 * Reads `broadcastTo`'s arguments: a positional shape (array) with an optional named shape,
 * or one `{ positionalShape, namedShape }` record; anything else is an error, never a no-op.
 */
export function broadcastArgs(
  shape: unknown,
  namedShape: unknown,
  ownPositional: readonly number[],
): { positional: readonly number[]; named: Readonly<Record<string, number>> } {
  const isShape = (v: unknown): v is number[] => Array.isArray(v) && v.every((d) => Number.isInteger(d) && d >= 0);
  const isNamed = (v: unknown): v is Record<string, number> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((d) => Number.isInteger(d) && d >= 0);
  if (Array.isArray(shape)) {
    if (!isShape(shape)) throw new NamedAxisError(`broadcastTo: the positional shape must be non-negative integers; got [${shape}].`);
    if (namedShape !== undefined && !isNamed(namedShape)) throw new NamedAxisError(`broadcastTo: the named shape must map names to sizes, e.g. { seq: 4 }; got ${JSON.stringify(namedShape)}.`);
    return { positional: shape, named: (namedShape ?? {}) as Record<string, number> };
  }
  if (typeof shape !== 'object' || shape === null || namedShape !== undefined) {
    throw new NamedAxisError('broadcastTo takes (positionalShape, namedShape?) or ({ positionalShape, namedShape }), e.g. x.broadcastTo([3]) or x.broadcastTo({ namedShape: { seq: 4 } }).');
  }
  const unknown = Object.keys(shape).filter((k) => k !== 'positionalShape' && k !== 'namedShape');
  if (unknown.length) {
    throw new NamedAxisError(
      `broadcastTo: unknown option${unknown.length > 1 ? 's' : ''} ${formatNames(unknown)}; pass { positionalShape: [...], namedShape: { name: size } }` +
        ` (to add named axes, write x.broadcastTo({ namedShape: { ${unknown[0]}: ... } })).`,
    );
  }
  const { positionalShape, namedShape: named } = shape as { positionalShape?: unknown; namedShape?: unknown };
  if (positionalShape !== undefined && !isShape(positionalShape)) throw new NamedAxisError(`broadcastTo: positionalShape must be an array of non-negative integers; got ${JSON.stringify(positionalShape)}.`);
  if (named !== undefined && !isNamed(named)) throw new NamedAxisError(`broadcastTo: namedShape must map names to sizes, e.g. { seq: 4 }; got ${JSON.stringify(named)}.`);
  return { positional: (positionalShape as number[] | undefined) ?? ownPositional, named: (named ?? {}) as Record<string, number> };
}
