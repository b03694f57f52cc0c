/**
 * @penjing/interp — interpretability on transformer language models (Gemma and any TransformerLM), after Penzai's induction-heads notebooks: per-token
 * losses, attention capture through side outputs, head scores by diagonal gathers, head
 * knock-out, activation patching over a `worlds` axis, and the logit lens. Each function
 * patches a copy of the model (never the model itself) with catalogue layers, so the same
 * steps can be done by hand with `select`, `Tell` and `CollectSideOutputs`.
 */
export { seededRandom, repeatedRandomTokens, tokenLabels, type RepeatedTokens, type RepeatedTokensOptions } from './repeated.js';
export { tokenLosses, tokenLossesFromLogits, meanTokenLoss, halfLosses, type HalfLosses, type LanguageModel } from './losses.js';
export { ATTENTION_TAG, attentionSoftmaxes, withAttentionProbes, captureAttention, type CapturedAttention } from './capture.js';
export { HEAD_AXES, diagonalScores, inductionScores, previousTokenScores, rankHeads, type HeadScore } from './scores.js';
export { headMask, knockOutHeads, type HeadRef } from './knockout.js';
export { unembedding, residualStream, logitLens, logitLensLosses, type ResidualStream } from './lens.js';
export { headOutputSites, stackWorlds, patchHeadsFromClean, type HeadPatching, type HeadPatchingOptions } from './patching.js';
export { FEATURES_AXIS, JumpReLU, SparseAutoencoder, loadSparseAutoencoder, type SaeInfo, type SaeWeights } from './sae.js';
export { readSaeFiles } from './sae-files.js';
export { parseNpy, parseNpz, type NpyArray } from './npz.js';
export { BLOCK_HOOKS, siteNames, locateSite, insertAtSite, type SiteLocation } from './sites.js';
export { runWithCache, type CacheOptions, type ActivationCache } from './cache.js';
export { SaeSplice, TranscoderSplice, spliceSae, spliceTranscoder, siteOfHookPoint, type SpliceOptions } from './splice.js';
export { WORLDS_AXIS, lossMetric, logitDiffMetric, type Metric } from './metrics.js';
export { AddToActivation, attributionPatching, attributeFeatures, gradientsAtSites, type AttributionOptions } from './attribution.js';
export { PatchFromClean, patchingSweep, type Sweep, type SweepOptions } from './sweep.js';
export { SteerActivation, steer, type SteerOptions } from './steering.js';
export { residualDecomposition, applyFrozenFinalNorm, directLogitAttribution, type ResidualDecomposition } from './decompose.js';
export { topFeaturesPerToken, topTokensForFeature, type FeatureHit, type TokenHit } from './features.js';
export { ReplaceActivation, pathPatching, type PathPatchingOptions } from './path-patching.js';
