import * as tf from '@tensorflow/tfjs';

/** Options of {@link adamw}. */
export interface AdamWOptions {
  /** Decoupled weight decay λ: each step multiplies every updated weight by `1 − lr·λ`. Default 1e-4 (optax's default). */
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * Adam with decoupled weight decay (optax's `adamw`, PyTorch's `AdamW`):
 * `w ← w − lr·(adam(g) + λ·w)`. A tfjs optimizer, usable wherever one is (`applyUpdates`,
 * `trainStep`, `Trainer`, `trainLora`).
 */
export class AdamWOptimizer extends tf.AdamOptimizer {
  readonly weightDecay: number;
  readonly lr: number;
  constructor(learningRate: number, opts: AdamWOptions = {}) {
    const wd = opts.weightDecay ?? 1e-4;
    if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new RangeError(`adamw: learningRate must be a positive number; got ${learningRate}.`);
    if (!(wd >= 0) || !Number.isFinite(wd)) throw new RangeError(`adamw: weightDecay must be a non-negative number; got ${wd}.`);
    super(learningRate, opts.beta1 ?? 0.9, opts.beta2 ?? 0.999, opts.epsilon ?? 1e-8);
    this.weightDecay = wd;
    this.lr = learningRate;
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    const names = Array.isArray(variableGradients) ? variableGradients.map((v: { name: string }) => v.name) : Object.keys(variableGradients);
    if (this.weightDecay > 0) {
      const registered = tf.engine().registeredVariables;
      const keep = 1 - this.lr * this.weightDecay;
      tf.tidy(() => {
        for (const n of names) {
          const v = registered[n];
          if (v) v.assign(tf.mul(v, keep));
        }
      });
    }
    super.applyGradients(variableGradients);
  }
}

/**
 * Adam with decoupled weight decay; see {@link AdamWOptimizer}.
 * @example const next = trainStep(model, batch, { loss, optimizer: adamw(1e-3, { weightDecay: 0.01 }) }).tree;
 */
export function adamw(learningRate: number, opts: AdamWOptions = {}): AdamWOptimizer {
  return new AdamWOptimizer(learningRate, opts);
}
