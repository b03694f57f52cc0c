// The page of tests/browser/jit.test.ts: @penjing/jit on onnxruntime-web (bundled by esbuild for
// the browser), next to eager tfjs in the same page, on the tiny Gemma checkpoint served by URL.
import * as tf from '@tensorflow/tfjs';
import * as nx from '@penjing/named-array';
import { GemmaTransformer } from '@penjing/gemma';
import { generate } from '@penjing/transformer';
import { jit, releaseCompiledGeneration, useOnnxRuntime } from '@penjing/jit';
import * as ort from 'onnxruntime-web';

let model: GemmaTransformer;
/** ORT sessions created and not yet released (sessions are wrapped to count them). */
let liveSessions = 0;
/** The execution providers each session was created with, in order. */
const sessionProviders: string[] = [];

/** The ORT Web module with session creation counted: what the test hands to useOnnxRuntime. */
const countedOrt = {
  ...ort,
  InferenceSession: {
    create: async (...args: Parameters<typeof ort.InferenceSession.create>) => {
      const session = await ort.InferenceSession.create(...args);
      liveSessions++;
      sessionProviders.push(String((args[1] as { executionProviders?: string[] } | undefined)?.executionProviders));
      const release = session.release.bind(session);
      session.release = async () => {
        liveSessions--;
        await release();
      };
      return session;
    },
  },
};

const tokensOf = (ids: number[][]) => nx.wrap(tf.tensor2d(ids, [ids.length, ids[0]!.length], 'int32')).tag('batch', 'seq');

/** The values of logits in (batch, seq, vocabulary) order; disposes them. */
async function valuesOf(logits: nx.NamedArray): Promise<number[]> {
  const t = logits.unwrap('batch', 'seq', 'vocabulary');
  const values = Array.from(await t.data());
  tf.dispose([t, logits.data]);
  return values;
}

const api = {
  /** The browser example of packages/jit/README.md, as it stands there (the README test compares them). */
  async readme() {
    const log: unknown[] = [];
    const console = { log: (...xs: unknown[]) => log.push(...xs) };
    // README:begin
    ort.env.wasm.wasmPaths = '/ort/';   // where the page serves node_modules/onnxruntime-web/dist/*.wasm and *.mjs
    useOnnxRuntime(ort);                 // a bundle cannot follow jit's on-demand import: hand the module over
    const model = await GemmaTransformer.fromPretrained('/tiny/');   // a URL (or bytes, or File objects)
    const tokens = nx.fromArray([[2, 10, 20, 30, 40, 10, 20, 30]], ['batch', 'seq'], 'int32');
    const fast = jit(model);             // WebGPU when navigator.gpu gives a hardware adapter, else wasm
    const logits = await fast.call(tokens);
    const [reply] = await generate(model, [[2, 10, 20, 30]], { jit: true, maxNewTokens: 8 });
    console.log(fast.reports[0]!.provider, logits.namedShape, reply!.tokens);
    await fast.dispose();
    // README:end
    await releaseCompiledGeneration(model);
    return log;
  },
  /** tfjs on wasm, ORT Web's files from /ort/, the tiny Gemma from /tiny/ (once); `providers` fixes ORT's execution providers. */
  async setup(providers?: ('webgpu' | 'wasm')[]) {
    useOnnxRuntime(countedOrt, providers ? { executionProviders: providers } : {});
    if (!model) {
      await nx.ready({ backend: 'wasm', quiet: true });
      ort.env.wasm.wasmPaths = '/ort/';
      ort.env.wasm.numThreads = 1;
      model = await GemmaTransformer.fromPretrained('/tiny/', { progress: false });
    }
    const gpu = (navigator as { gpu?: { requestAdapter(): Promise<{ info?: Record<string, unknown>; isFallbackAdapter?: boolean } | null> } }).gpu;
    const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
    const info = adapter?.info;
    return { adapter: !!adapter, info: info && { vendor: info.vendor, architecture: info.architecture, description: info.description, fallback: info.isFallbackAdapter ?? adapter?.isFallbackAdapter } };
  },
  /** jit and eager logits of a batch, the provider the graph ran on, tensors before and after. */
  async logits(ids: number[][]) {
    const before = tf.memory().numTensors;
    const tokens = tokensOf(ids);
    const fast = jit(model, { onCompile: () => {} });
    const started = performance.now();
    const compiled = await fast.call(tokens);
    const firstMs = performance.now() - started;
    const again = performance.now();
    const second = await fast.call(tokens);
    const secondMs = performance.now() - again;
    const eagerStart = performance.now();
    const eager = model.call(tokens);
    const eagerMs = performance.now() - eagerStart;
    const out = {
      jit: await valuesOf(compiled),
      second: await valuesOf(second),
      eager: await valuesOf(eager),
      provider: fast.reports[0]?.provider,
      vocab: model.config.vocabSize,
      ms: { firstMs, secondMs, eagerMs },
      sessionsOpen: liveSessions,
      badIds: '',
      afterCall: '',
    };
    const bad = tokensOf([[2, 300, 4]]);
    out.badIds = await fast.call(bad).then(() => 'no error', (e: Error) => e.message);
    bad.dispose();
    await fast.dispose();
    out.afterCall = await fast.call(tokens).then(() => 'no error', (e: Error) => e.message);
    tokens.dispose();
    return { ...out, sessionsLeft: liveSessions, leaked: tf.memory().numTensors - before };
  },
  /** Greedy tokens of eager and of jit generation; sessions left after releasing the compiled steps. */
  async generate(prompts: number[][], maxNewTokens: number) {
    const eager = await generate(model, prompts, { maxNewTokens, stopIds: [] });
    const before = tf.memory().numTensors;
    const firstSession = sessionProviders.length;
    const compiled = await generate(model, prompts, { maxNewTokens, stopIds: [], jit: true });
    const providers = sessionProviders.slice(firstSession);
    const leaked = tf.memory().numTensors - before;
    const sessionsOpen = liveSessions;
    await releaseCompiledGeneration(model);
    return { eager: eager.map((r) => r.tokens), jit: compiled.map((r) => r.tokens), providers, leaked, sessionsOpen, sessionsLeft: liveSessions };
  },
};
(window as unknown as { penjing: typeof api }).penjing = api;
document.body.dataset.ready = 'true';
