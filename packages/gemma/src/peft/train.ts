/**
 * Fine-tuning LoRA adapters: the layers package's `Trainer` with the next-token loss,
 * differentiating only the adapters' A and B factors, and a progress bar in terminals.
 */
import { nodeIo } from '@penjing/io';
import * as tf from '@tensorflow/tfjs';
import { Trainer, parameters, select, type Parameter } from '@penjing/layers';
import { LowRankAdapter, adapterParameters } from './adapter.js';
import { nextTokenLoss, type LogitsModel, type LoraBatch } from './loss.js';

/** What `onStep` receives. */
export interface LoraStepInfo<M> {
  /** 1 for the first step. */
  readonly step: number;
  /** The loss on this step's batch, before the update. */
  readonly loss: number;
  /** The model after the update (valid until the next step replaces it). */
  readonly model: M;
}

/** Options of `trainLora`. */
export interface TrainLoraOptions<M> {
  steps: number;
  /** Adam's learning rate (default 1e-3); ignored when `optimizer` is given. */
  learningRate?: number;
  /** Default: `tf.train.adam(learningRate)`. The loop disposes it at the end. */
  optimizer?: tf.Optimizer;
  /** Default: `nextTokenLoss`. */
  loss?: (model: M, batch: LoraBatch) => tf.Tensor | import('@penjing/named-array').NamedArray;
  onStep?: (info: LoraStepInfo<M>) => void | Promise<void>;
  /** Ends training early when it returns true (checked after each step, e.g. a loss threshold). */
  stopWhen?: (info: LoraStepInfo<M>, losses: readonly number[]) => boolean;
  /** Show a progress bar with the loss (default: when stdout is a terminal). */
  progress?: boolean;
}

/** What `trainLora` returns. */
export interface TrainLoraResult<M> {
  /** The trained model (shares every frozen tensor with the input model). */
  readonly model: M;
  /** One loss per step. */
  readonly losses: readonly number[];
}

/**
 * The labels of every LoRA factor in a model (what fine-tuning differentiates).
 * @example loraParameterLabels(lora) // ['transformer/block_0/attention/query/lora_a.weights', ...]
 */
export function loraParameterLabels(model: unknown): string[] {
  const labels = new Set<string>();
  for (const a of select(model).atInstancesOf(LowRankAdapter).getSequence()) {
    for (const p of adapterParameters(a as LowRankAdapter)) labels.add(p.label);
  }
  return [...labels];
}

/** Picks the batch for step `i` from a single batch, a list (cycled) or a function. */
function batchAt(batches: LoraBatch | readonly LoraBatch[] | ((step: number) => LoraBatch), i: number): LoraBatch {
  if (typeof batches === 'function') return batches(i);
  if (Array.isArray(batches)) {
    if (!batches.length) throw new RangeError('trainLora: the list of batches is empty.');
    return batches[i % batches.length];
  }
  return batches as LoraBatch;
}

interface Bar {
  update(value: number, payload: Record<string, unknown>): void;
  stop(): void;
}

async function progressBar(total: number): Promise<Bar | undefined> {
  try {
    // A terminal bar in Node/Deno; none in a browser (nodeIo throws there).
    const { terminalBar } = await nodeIo('a terminal progress bar');
    return terminalBar('LoRA |{bar}| {value}/{total} steps | loss {loss} | {eta_formatted} left', total, { loss: '—' });
  } catch {
    return undefined;
  }
}

/**
 * Trains the LoRA factors of a model (from `loraify` or `loadLoraAdapters`) with Adam on
 * next-token cross-entropy; every other parameter is left as it is. Batches are given as
 * one batch, a list (cycled) or a function of the step index.
 *
 * @example
 * const lora = loraify(model, { rank: 8, alpha: 16, where: 'attention' });
 * const { model: tuned, losses } = await trainLora(lora, batches, { steps: 200, learningRate: 1e-3 });
 */
export async function trainLora<M extends LogitsModel>(
  model: M,
  batches: LoraBatch | readonly LoraBatch[] | ((step: number) => LoraBatch),
  options: TrainLoraOptions<M>,
): Promise<TrainLoraResult<M>> {
  const { steps } = options;
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`trainLora: steps must be a non-negative integer; got ${steps}.`);
  const wrt = loraParameterLabels(model);
  if (!wrt.length) throw new RangeError('trainLora: the model has no LoRA adapters; wrap it with loraify(model, {rank, where}) first.');
  const frozen = parameters(model).filter((i) => wrt.includes(i.label) && !i.parameter.trainable).map((i) => i.label);
  if (frozen.length) throw new RangeError(`trainLora: these LoRA factors are frozen: ${frozen.join(', ')}; unfreeze them to train.`);
  const optimizer = options.optimizer ?? tf.train.adam(options.learningRate ?? 1e-3);
  const lossFn = options.loss ?? ((m: M, b: LoraBatch) => nextTokenLoss(m, b));
  const trainer = new Trainer<M, LoraBatch>(model, { loss: lossFn, optimizer, wrt, keepInitialUsable: true });
  const show = options.progress ?? (typeof process !== 'undefined' && !!process.stdout?.isTTY);
  const bar = show && steps > 0 ? await progressBar(steps) : undefined;
  const losses: number[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const loss = trainer.step(batchAt(batches, i));
      losses.push(loss);
      bar?.update(i + 1, { loss: loss.toFixed(4) });
      const info = { step: i + 1, loss, model: trainer.tree };
      await options.onStep?.(info);
      if (options.stopWhen?.(info, losses)) break;
    }
  } finally {
    bar?.stop();
    trainer.dispose();
  }
  return { model: trainer.tree, losses };
}

/** The LoRA factors of a model, by label. */
export function loraParameters(model: unknown): Parameter[] {
  const want = new Set(loraParameterLabels(model));
  return parameters(model).filter((i) => want.has(i.label)).map((i) => i.parameter);
}
