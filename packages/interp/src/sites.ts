/**
 * Sites: the places in a model where an activation can be read or replaced, named as
 * TransformerLens names its hook points (`blocks.{l}.hook_resid_pre`, `blocks.{l}.attn.hook_pattern`,
 * `blocks.{l}.attn.hook_z`, `blocks.{l}.mlp.hook_post`, …). Every family of @penjing/transformer and
 * Gemma builds its blocks from the same pieces (a norm followed by Attention or
 * TransformerFeedForward inside a residual branch), so one table of structural rules covers
 * them all; a site is a selection plus "before" or "after", and anything inserted there sees
 * (and may replace) that activation.
 */
import { Attention, Elementwise, Linear, Sequential, Softmax, select, type Selection } from '@penjing/layers';
import { TransformerBlock, TransformerFeedForward } from '@penjing/transformer';

/** Where a site sits: just before or just after the selected array element. */
export interface SiteLocation<R> {
  readonly name: string;
  readonly selection: Selection<unknown, R>;
  readonly where: 'before' | 'after';
}

type Rule = { readonly where: 'before' | 'after'; readonly find: (block: Selection<unknown, unknown>) => Selection<unknown, unknown> };

const inAttention = (f: (a: Attention) => unknown) => (b: Selection<unknown, unknown>) => b.atInstancesOf(Attention).at(f as (x: Attention) => unknown);
const lastOf = (s: Sequential) => s.sublayers[s.sublayers.length - 1];
/** The Sequential (residual branch) holding `cls` as a direct sublayer, at its last element. */
const branchEnd = (cls: new (...a: never[]) => unknown) => (b: Selection<unknown, unknown>) =>
  b.atSubtreesWhere((n) => n instanceof Sequential && !(n instanceof TransformerBlock) && n.sublayers.some((x) => x instanceof cls)).at((s) => lastOf(s as Sequential));
const ffn = (b: Selection<unknown, unknown>) => b.atInstancesOf(TransformerFeedForward);

/** Per-block sites, in the order they are computed. */
const BLOCK_RULES: Readonly<Record<string, Rule>> = {
  hook_resid_pre: { where: 'before', find: (b) => b },
  'ln1.hook_normalized': { where: 'before', find: (b) => b.atInstancesOf(Attention) },
  'attn.hook_q': { where: 'after', find: inAttention((a) => lastOf(a.inputToQuery as Sequential)) },
  'attn.hook_k': { where: 'after', find: inAttention((a) => lastOf(a.inputToKey as Sequential)) },
  'attn.hook_v': { where: 'after', find: inAttention((a) => lastOf(a.inputToValue as Sequential)) },
  'attn.hook_attn_scores': { where: 'before', find: (b) => b.atInstancesOf(Attention).atInstancesOf(Softmax) },
  'attn.hook_pattern': { where: 'after', find: (b) => b.atInstancesOf(Attention).atInstancesOf(Softmax) },
  'attn.hook_z': { where: 'after', find: inAttention((a) => (a.attnValueToOutput as Sequential).sublayers[0]) },
  hook_attn_out: { where: 'after', find: branchEnd(Attention) },
  hook_resid_mid: {
    where: 'after',
    find: (b) => b.where((blk) => (blk as TransformerBlock).sublayers.length === 2).at((blk) => (blk as TransformerBlock).sublayers[0]),
  },
  'ln2.hook_normalized': { where: 'before', find: (b) => b.atInstancesOf(TransformerFeedForward) },
  'mlp.hook_pre': { where: 'before', find: (b) => ffn(b).atInstancesOf(Elementwise).pickNth(0) },
  'mlp.hook_post': {
    where: 'before',
    find: (b) => ffn(b).at((f) => (f as Sequential).sublayers.filter((x) => x instanceof Linear).at(-1)!),
  },
  hook_mlp_out: { where: 'after', find: branchEnd(TransformerFeedForward) },
  hook_resid_post: { where: 'after', find: (b) => b },
};

/** The per-block hook names, in computation order. @example BLOCK_HOOKS.includes('attn.hook_z') // true */
export const BLOCK_HOOKS: readonly string[] = Object.keys(BLOCK_RULES);

/**
 * Every site name that exists in `model` (TransformerLens spelling), in computation order.
 * @example siteNames(model)[0] // 'blocks.0.hook_resid_pre'
 */
export function siteNames(model: unknown): string[] {
  const blocks = select(model).atInstancesOf(TransformerBlock).count();
  const names: string[] = [];
  for (let l = 0; l < blocks; l++) {
    for (const hook of BLOCK_HOOKS) {
      const name = `blocks.${l}.${hook}`;
      if (!locateOrNull(model, name)?.selection.isEmpty()) names.push(name);
    }
  }
  return names;
}

function locateOrNull<R>(model: R, name: string): SiteLocation<R> | null {
  const m = /^blocks\.(\d+)\.(.+)$/.exec(name);
  if (!m) return null;
  const rule = BLOCK_RULES[m[2]!];
  if (!rule) return null;
  const blocks = select(model).atInstancesOf(TransformerBlock);
  const l = Number(m[1]);
  if (l >= blocks.count()) return null;
  const selection = rule.find(blocks.pickNth(l) as Selection<unknown, unknown>) as Selection<unknown, R>;
  return { name, selection, where: rule.where };
}

/**
 * Finds a site by its TransformerLens name, failing with the names that exist.
 * @example locateSite(model, 'blocks.1.attn.hook_z').selection.count() // 1
 */
export function locateSite<R>(model: R, name: string): SiteLocation<R> {
  const found = locateOrNull(model, name);
  if (!found || found.selection.isEmpty()) {
    const blocks = select(model).atInstancesOf(TransformerBlock).count();
    throw new Error(
      `site '${name}' does not exist in this model (${blocks} blocks). Sites are 'blocks.{0..${blocks - 1}}.<hook>' with hook one of: ${BLOCK_HOOKS.join(', ')}` +
        (found ? ' (this family has no such point in its blocks).' : '.'),
    );
  }
  return found;
}

/**
 * A copy of `model` with `layer` inserted at the site, so it sees and may replace that activation.
 * @example insertAtSite(model, 'blocks.0.hook_resid_post', new Tell({ tag: 'r' }))
 */
export function insertAtSite<R>(model: R, name: string, layer: unknown): R {
  const { selection, where } = locateSite(model, name);
  return where === 'before' ? selection.insertBefore(layer) : selection.insertAfter(layer);
}
