/** Loading and saving Gemma checkpoints (Hugging Face safetensors directories, Flax parameter records). */
export { loadPretrained, type FromPretrainedOptions, type ModelBuilder } from './from-pretrained.js';
export type { FlaxArray, FlaxParams } from './flax.js';
export { saveSafetensors, type SaveOptions } from './save.js';
export { hfLayout, hfToParameterValue, parameterValueToHf, type WeightLayout } from './hf-layout.js';
export { SafetensorsLazySource, type FileStamp } from './lazy-source.js';
