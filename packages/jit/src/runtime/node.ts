/**
 * Node's built-in modules for the file route of jit (weights file, temporary folder, core
 * count), imported on first use by specifiers bundlers leave alone: browser bundles of
 * @penjing/jit never reach them (the web route keeps weights in memory).
 */
type Fs = typeof import('node:fs');
type Os = typeof import('node:os');
type Path = typeof import('node:path');

function nodeBuiltin<T>(name: string): Promise<T> {
  const specifier = `node:${name}`;
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}

/** node:fs. @example const fs = await nodeFs(); */
export const nodeFs = (): Promise<Fs> => nodeBuiltin<Fs>('fs');
/** node:os. @example const os = await nodeOs(); */
export const nodeOs = (): Promise<Os> => nodeBuiltin<Os>('os');
/** node:path. @example const path = await nodePath(); */
export const nodePath = (): Promise<Path> => nodeBuiltin<Path>('path');
