export * from './config.js';
export * from './patches.js';
export * from './tower.js';
export * from './merge.js';
export * from './multimodal.js';
export * from './hf-layout.js';
export * from './preprocess.js';
