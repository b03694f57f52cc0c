/** The layer catalogue (Penzai's `pz.nn`), side-input handlers, side outputs and interpretability layers. */
export { requireNamed, checkInputAxes } from './checks.js';
export * from './init.js';
export * from './combinators.js';
export * from './basic.js';
export * from './linear.js';
export * from './norms.js';
export * from './embeddings.js';
export * from './rope.js';
export * from './attention.js';
export * from './masks.js';
export * from './handlers.js';
export * from './side-outputs.js';
export * from './interp.js';
export * from './dropout.js';
export * from './mlp.js';
export * from './checkpointed.js';
export * from './projections.js';
