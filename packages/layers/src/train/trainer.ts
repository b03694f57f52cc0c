import type * as tf from '@tensorflow/tfjs';
import { disposeTree } from '../params/dispose.js';
import { disposeGrads, trainableParameters, valueAndGrad, type LossValue, type Wrt } from './grad.js';
import { applyUpdates } from './update.js';
import { retireTree } from './stale.js';
import { Struct } from '../tree/struct.js';

/** How to train: the loss of a tree on a batch, the optimizer, and what to differentiate. */
export interface TrainStepOptions<T, B> {
  loss: (tree: T, batch: B) => LossValue;
  optimizer: tf.Optimizer;
  /** The parameters to train (default: every trainable one). */
  wrt?: Wrt;
}

/**
 * One training step as a pure function of the tree: the loss and gradients on `batch`, then
 * one optimizer update. Returns the new tree and the loss (before the update); the input tree
 * is untouched, and parameters that were not trained are shared with it. Disposing the old
 * tree is the caller's choice: `disposeTree(old, {except: [result.tree]})`.
 *
 * @example
 * const { tree: next, loss } = trainStep(model, batch, { loss: mseLoss, optimizer: tf.train.adam(0.05) });
 */
export function trainStep<T, B>(tree: T, batch: B, opts: TrainStepOptions<T, B>): { tree: T; loss: number } {
  const { value, grads } = valueAndGrad((t: T) => opts.loss(t, batch))(tree, { wrt: opts.wrt });
  try {
    return { tree: applyUpdates(tree, grads, opts.optimizer), loss: value };
  } finally {
    disposeGrads(grads);
  }
}

/** Reported after each step. */
export interface StepInfo<T> {
  /** 1 for the first step. */
  readonly step: number;
  readonly loss: number;
  readonly tree: T;
}

/** Options of a `Trainer`. */
export interface TrainerOptions<T, B> extends TrainStepOptions<T, B> {
  /** Called after every step, e.g. to log the loss. */
  onStep?: (info: StepInfo<T>) => void;
  /**
   * Leave the tree passed in usable after the first step (default false: it is marked stale,
   * since code ported from Penzai expects it to be trained; `untrained()` gives it back).
   * Functional wrappers that return the trained tree themselves set this.
   */
  keepInitialUsable?: boolean;
}

/**
 * Repeats `trainStep`, holding the current tree. The trees it makes are its own: each step
 * frees the tensors of the previous one that the new tree no longer uses, so memory stays flat.
 * The tree passed in is never modified or freed; the latest tree (`trainer.tree`) stays valid
 * after training ends, while earlier ones are valid until the step after them.
 * `wrt` is resolved to labels once, on the first tree. `dispose()` frees the optimizer state.
 *
 * @example
 * const trainer = new Trainer(model, { loss, optimizer: tf.train.adam(0.05), onStep: ({ step, loss }) => console.log(step, loss) });
 * for (let i = 0; i < 500; i++) trainer.step(batch);
 * const trained = trainer.tree;
 */
export class Trainer<T, B = unknown> {
  private current: T;
  private steps = 0;
  private readonly labels: readonly string[];

  constructor(
    readonly initial: T,
    private readonly opts: TrainerOptions<T, B>,
  ) {
    this.current = initial;
    this.labels = trainableParameters(initial, opts.wrt).map((i) => i.label);
    if (!this.labels.length) throw new Error('Trainer: no trainable parameter is selected (check wrt, and that the parameters are not frozen).');
  }

  /** The latest tree. @example const trained = trainer.tree; */
  get tree(): T {
    return this.current;
  }

  /**
   * The starting tree, usable after training began (the object passed in is marked stale once
   * a step is taken): a copy of its root that shares every child.
   * @example const before = trainer.untrained().call(x);
   */
  untrained(): T {
    const t = this.initial;
    if (!(t instanceof Struct)) return t;
    const copy = Object.create(Object.getPrototypeOf(t)) as Record<string, unknown>;
    for (const [k, v] of Object.entries(t)) copy[k] = v;
    return Object.freeze(copy) as T;
  }

  /** The number of steps taken. @example trainer.stepCount // 200 */
  get stepCount(): number {
    return this.steps;
  }

  /** Takes one step on a batch; returns the loss before the update. @example const loss = trainer.step({ x, y }); */
  step(batch: B): number {
    const prev = this.current;
    const { tree, loss } = trainStep(prev, batch, { ...this.opts, wrt: this.labels });
    this.current = tree;
    if (prev !== this.initial) disposeTree(prev, { except: [tree, this.initial] });
    this.steps++;
    // Penzai's trainers update the model in place; here the tree passed in keeps its old
    // weights, so using it after a step is almost always a mistake: it fails, naming the fix.
    if (prev !== this.initial || !this.opts.keepInitialUsable) retireTree(prev, prev === this.initial
      ? "a Trainer started from it and has taken steps since; use trainer.tree for the trained model, or trainer.untrained() for the starting weights on purpose."
      : `the Trainer replaced it at step ${this.steps} (its replaced weights were freed); use trainer.tree.`);
    this.opts.onStep?.({ step: this.steps, loss, tree });
    return loss;
  }

  /**
   * Takes `steps` steps, drawing batches from a function of the step index (or reusing one
   * batch); returns the losses.
   * @example const losses = trainer.fit((i) => batches[i % batches.length], 500);
   */
  fit(batches: B | ((step: number) => B), steps: number): number[] {
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) losses.push(this.step(typeof batches === 'function' ? (batches as (s: number) => B)(i) : batches));
    return losses;
  }

  /** Frees the optimizer's state (its moment estimates). The trees stay valid. @example trainer.dispose() */
  dispose(): void {
    this.opts.optimizer.dispose();
  }
}
