/**
 * The file functions of `@penjing/io/node`, re-exported by this package as thin async
 * wrappers that import Node's file system on first call, so that `@penjing/gemma` bundles
 * for browsers unchanged (where they throw saying to pass a URL, bytes or files instead).
 */
import { nodeIo } from '@penjing/io';
import type * as ioNode from '@penjing/io/node';

/**
 * Opens one safetensors file on disk (Node/Deno). See `@penjing/io/node`.
 * @example const f = await openSafetensors('model.safetensors');
 */
export async function openSafetensors(...args: Parameters<typeof ioNode.openSafetensors>): ReturnType<typeof ioNode.openSafetensors> {
  return (await nodeIo('openSafetensors')).openSafetensors(...args);
}

/**
 * Opens a checkpoint directory, file or index on disk (Node/Deno). See `@penjing/io/node`.
 * @example const ckpt = await openCheckpoint('models/gemma-3-270m');
 */
export async function openCheckpoint(...args: Parameters<typeof ioNode.openCheckpoint>): ReturnType<typeof ioNode.openCheckpoint> {
  return (await nodeIo('openCheckpoint')).openCheckpoint(...args);
}

/**
 * Writes one safetensors file atomically (Node/Deno). See `@penjing/io/node`.
 * @example await writeSafetensors('out/x.safetensors', { w: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } });
 */
export async function writeSafetensors(...args: Parameters<typeof ioNode.writeSafetensors>): ReturnType<typeof ioNode.writeSafetensors> {
  return (await nodeIo('writeSafetensors')).writeSafetensors(...args);
}

/**
 * Writes a sharded checkpoint with its index atomically (Node/Deno). See `@penjing/io/node`.
 * @example await writeShardedSafetensors('out/sharded', tensors, { maxShardBytes: 1e9 });
 */
export async function writeShardedSafetensors(
  ...args: Parameters<typeof ioNode.writeShardedSafetensors>
): ReturnType<typeof ioNode.writeShardedSafetensors> {
  return (await nodeIo('writeShardedSafetensors')).writeShardedSafetensors(...args);
}
