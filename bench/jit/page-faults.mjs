// Why the jit bench's engine processes reuse freed memory: runs ONNX Runtime on the torch
// export's 512-token all-logits graph eight times and prints, per call, its time, page faults
// and user/system CPU time. With glibc's defaults each call's 512 MB output lands in fresh
// pages; on a VM whose host reclaims freed guest memory some calls spend ~1.3 s more in the
// kernel for the same fault count. Compare:
//   node bench/jit/page-faults.mjs
//   GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967296 node bench/jit/page-faults.mjs
// Needs out/onnx-torch/random-gemma3-270m-f32 (see bench/README.md).
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';

const graph = process.argv[2] ?? 'out/onnx-torch/random-gemma3-270m-f32/prefill.onnx';
const T = 512;
const minorFaults = () => Number(readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[7]);
const session = await ort.InferenceSession.create(graph, {
  graphOptimizationLevel: 'all', intraOpNumThreads: availableParallelism(), interOpNumThreads: 1, executionMode: 'sequential',
});
const ids = BigInt64Array.from({ length: T }, (_, i) => BigInt(3 + ((i * 7919) % 200000)));
console.log(`GLIBC_TUNABLES=${process.env.GLIBC_TUNABLES ?? '(unset)'}; ${T} tokens, all logits`);
for (let k = 0; k < 8; k++) {
  const faults = minorFaults();
  const cpu = process.cpuUsage();
  const start = performance.now();
  await session.run({ input_ids: new ort.Tensor('int64', ids, [1, T]) });
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  console.log(`call ${k + 1}: ${ms.toFixed(0)} ms, ${minorFaults() - faults} page faults, user ${(used.user / 1e3).toFixed(0)} ms, system ${(used.system / 1e3).toFixed(0)} ms`);
}
await session.release();
