/**
 * tfjs's CPU backend, as jit uses it beside the active backend: to fold constants while
 * tracing, and to hold arrays ONNX Runtime returned without copying them (tfjs moves a tensor
 * to the active backend when a kernel there first reads it).
 */
import * as tf from '@tensorflow/tfjs';

type CpuBackend = tf.KernelBackend & { firstUse?: boolean };

/**
 * The CPU backend, started if it was not; null where it is not registered.
 * @example const cpu = cpuBackend(); if (cpu) tf.engine().makeTensorFromDataId(cpu.write(values, [n], 'float32'), [n], 'float32', cpu);
 */
export function cpuBackend(): CpuBackend | null {
  const cpu: CpuBackend | null = tf.engine().findBackend('cpu');
  // Its first write in Node prints advice to install tfjs-node, meant for users who chose the
  // CPU backend to compute on; it does not apply to constants folded or arrays parked there.
  if (cpu?.firstUse) cpu.firstUse = false;
  return cpu;
}
