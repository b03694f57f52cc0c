import type { NamedArray } from './named-array.js';

/** One data axis: a name, or the index of a positional axis. */
export type Axis = string | number;

/** The named shape of an array whose axis names are `N`. */
export type NamedShape<N extends string> = { readonly [K in N]: number };

/** Whether `N` is the unrefined `string` (names not tracked by the type system). */
export type IsUntracked<N extends string> = string extends N ? true : false;

/** `unknown` (no constraint) when names are untracked or `Bad` is empty, else the error type `Err`. */
type Unless<N extends string, Bad, Err> = IsUntracked<N> extends true ? unknown : [Bad] extends [never] ? unknown : Err;

/** Requires that the names `M` cover every name in `N` (when names are tracked). */
export type CoversAll<N extends string, M extends readonly string[]> = Unless<N, Exclude<N, M[number]>, { readonly missingAxes: Exclude<N, M[number]> }>;

/** Requires that none of the names `M` is already in `N` (when names are tracked). */
export type DisjointFrom<N extends string, M extends readonly string[]> = Unless<N, Extract<N, M[number]>, { readonly alreadyPresentAxes: Extract<N, M[number]> }>;

/** The names of a NamedArray type (read from `names`, which is covariant in them). */
export type NamesOf<T> = T extends NamedArray<string> ? T['names'][number] : never;

/** A slice along a named axis, as made by `nx.slice(start, stop, step)`. */
export interface AxisSlice {
  readonly kind: 'slice';
  readonly start?: number;
  readonly stop?: number;
  readonly step?: number;
}

/** A run-time slice `[start, start+size)` along a named axis, as made by `nx.dynamicSlice(start, size)`. */
export interface DynamicSlice {
  readonly kind: 'dynamicSlice';
  readonly start: number | NamedArray<string>;
  readonly size: number;
}

/**
 * What may index one named axis: an int (removes it), a slice or dynamic slice (keeps it),
 * an int array (becomes a positional axis), or a NamedArray of ints (gathers; its names join).
 */
export type IndexValue = number | AxisSlice | DynamicSlice | readonly number[] | NamedArray<string>;

/** A dict index: existing names map to index values; a new name mapped to `null` adds a size-1 axis. */
export type IndexSpec<N extends string, I> = {
  [K in keyof I]: K extends N ? (IsUntracked<N> extends true ? IndexValue | null : IndexValue) : null;
};

/** What `.at({...})` accepts per axis: an int, a step-1 slice, a dynamic slice, or an int array / int NamedArray (a scatter). */
export type AtValue = number | AxisSlice | DynamicSlice | readonly number[] | NamedArray<string>;

/** The region spec of `.at(...)`: only existing names. */
export type AtSpec<N extends string> = { readonly [K in N]?: AtValue };

/** Names after indexing with spec `I`. */
export type IndexResult<N extends string, I> =
  | Exclude<N, { [K in keyof I]: I[K] extends number | readonly number[] | NamedArray<string> ? K : never }[keyof I]>
  | { [K in keyof I]: I[K] extends null ? K & string : never }[keyof I]
  | { [K in keyof I]: I[K] extends NamedArray<infer M> ? M : never }[keyof I];

/** Requires that every name in `M` is one of `N` (when names are tracked). */
export type OnlyNamesOf<N extends string, M extends readonly string[]> = Unless<N, Exclude<M[number], N>, { readonly unknownAxes: Exclude<M[number], N> }>;

/** Requires that the single name `M` is one of `N` (when names are tracked). */
export type NameOf<N extends string, M extends string> =
  IsUntracked<N> extends true ? unknown : [M] extends [N] ? unknown : { readonly unknownAxis: M };

type Trim<S extends string> = S extends ` ${infer R}` ? Trim<R> : S extends `${infer R} ` ? Trim<R> : S;
/** The space-separated words of `S`, as a union. */
export type Words<S extends string> = Trim<S> extends ''
  ? never
  : Trim<S> extends `${infer W} ${infer R}`
    ? W | Words<R>
    : Trim<S>;
/** The output names of a named einsum spec such as `'a b, b c -> a c'`. */
export type EinsumOutput<S extends string> = string extends S ? string : S extends `${string}->${infer O}` ? Words<O> : never;

type SplitTerms<S extends string> = S extends `${infer H},${infer R}` ? [H, ...SplitTerms<R>] : [S];
/** The input terms of an einsum spec, as a tuple of strings. */
export type EinsumInputs<S extends string> = S extends `${infer I}->${string}` ? SplitTerms<I> : [];

/** Requires each tracked operand's names to be exactly the names of its term in the spec. */
export type EinsumOperands<S extends string, A extends readonly unknown[]> = string extends S
  ? unknown
  : {
      [K in keyof A]: A[K] extends NamedArray<infer N>
        ? string extends N
          ? unknown
          : K extends keyof EinsumInputs<S>
            ? EinsumInputs<S>[K] extends infer T extends string
              ? [N] extends [Words<T>]
                ? [Words<T>] extends [N]
                  ? unknown
                  : { readonly einsumTermAxes: Words<T>; readonly operandAxes: N }
                : { readonly einsumTermAxes: Words<T>; readonly operandAxes: N }
              : unknown
            : unknown
        : unknown;
    };

/** The functional updates returned by `NamedArray.at(...)`. */
export interface AtUpdater<N extends string> {
  /** Replaces the region with `v` (broadcast by name). */
  set(v: NamedArray<string> | number | boolean): NamedArray<N>;
  /** Adds `v` to the region. */
  add(v: NamedArray<string> | number): NamedArray<N>;
  /** Multiplies the region by `v`. */
  mul(v: NamedArray<string> | number): NamedArray<N>;
  /** Reads the region (the same as `index`). */
  get(): NamedArray<string>;
}
