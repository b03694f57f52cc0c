/**
 * Parameter-efficient fine-tuning for Penjing models: LoRA adapters on named-axis Linears and
 * positional einsums, `loraify` / `mergeLora`, next-token fine-tuning, and adapters in
 * Hugging Face PEFT's safetensors layout.
 */
export { einsumMatMul, parseEinsum, type EinsumSpec } from './einsum.js';
// The planner lives in named-array; re-exported where LoRA users found it before.
export { planContraction, type ContractionPlan } from '@penjing/named-array';
export { Einsum, type EinsumConfig } from './einsum-layer.js';
export { LoRAEinsumAdapter, kaimingUniformInitializer, loraEinsumSplit, type LoRAEinsumConfig, type LoRAEinsumSplit } from './lora-einsum.js';
export { LORA_RANK_AXIS, LoRAScale, LowRankAdapter, adapterParameters, type AdaptableLayer, type LoRAFactors } from './adapter.js';
export { ATTENTION_MODULES, MLP_MODULES, hfModuleOf, loraSites, type HfModule, type LoraSite } from './sites.js';
export { loraify, loraAdapterFor, type LoraOptions, type LoraWhere } from './loraify.js';
export { mergeLora, mergeAdapter, loraDelta } from './merge.js';
export { nextTokenCrossEntropy, nextTokenLoss, type LoraBatch, type LogitsModel } from './loss.js';
export { decodeCrossEntropy, type DecodeCrossEntropyOptions } from './decode-loss.js';
export { decodeNextTokenCrossEntropy, splitDecode, type DecodeSplit } from './decode-split.js';
export { trainLora, loraParameterLabels, loraParameters, type TrainLoraOptions, type TrainLoraResult, type LoraStepInfo } from './train.js';
export { saveLoraAdapters, loadLoraAdapters, type SaveLoraOptions } from './hf-peft.js';
export { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, type PeftLoraConfig } from './peft-config.js';
