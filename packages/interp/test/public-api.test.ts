/**
 * The public runtime names of @penjing/interp, listed by hand: adding, removing or renaming an export
 * must change this list too, so API changes are deliberate. (Types are erased at run time; the
 * build's type tests and the README checks cover them.)
 */
import { describe, expect, it } from 'vitest';
import * as interp from '@penjing/interp';

const NAMES = [
    'ATTENTION_TAG', 'HEAD_AXES', 'attentionSoftmaxes', 'captureAttention', 'diagonalScores', 'halfLosses',
    'headMask', 'headOutputSites', 'inductionScores', 'knockOutHeads', 'logitLens', 'logitLensLosses',
    'meanTokenLoss', 'patchHeadsFromClean', 'previousTokenScores', 'rankHeads', 'repeatedRandomTokens',
    'residualStream', 'seededRandom', 'stackWorlds', 'tokenLabels', 'tokenLosses', 'tokenLossesFromLogits',
    'unembedding', 'withAttentionProbes',
    // SAEs and transcoders
    'FEATURES_AXIS', 'JumpReLU', 'SparseAutoencoder', 'loadSparseAutoencoder', 'readSaeFiles', 'parseNpy', 'parseNpz',
    'SaeSplice', 'TranscoderSplice', 'spliceSae', 'spliceTranscoder', 'siteOfHookPoint',
    // sites and caches
    'BLOCK_HOOKS', 'siteNames', 'locateSite', 'insertAtSite', 'runWithCache',
    // attribution, sweeps, decomposition, steering
    'WORLDS_AXIS', 'lossMetric', 'logitDiffMetric', 'AddToActivation', 'attributionPatching', 'attributeFeatures',
    'gradientsAtSites', 'PatchFromClean', 'patchingSweep', 'residualDecomposition', 'applyFrozenFinalNorm',
    'directLogitAttribution', 'SteerActivation', 'steer', 'topFeaturesPerToken', 'topTokensForFeature', 'ReplaceActivation', 'pathPatching',
];

describe('@penjing/interp public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(interp).sort()).toEqual([...NAMES].sort());
  });
});
