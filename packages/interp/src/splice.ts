/**
 * Splicing SAEs and transcoders into a model at a site. An SAE at a site replaces the
 * activation `x` there by its reconstruction `x̂`, or — with the error term — by
 * `x̂ + (x − x̂)`, which equals `x` (so the model's logits are unchanged) while the features
 * stay in the computation graph for attribution. A transcoder replaces the MLP: it reads the
 * MLP's normalised input and writes where the MLP (and a post-MLP norm, if any) wrote.
 * Features are told (as side outputs) under `tag` when one is given.
 */
import type { NamedArray } from '@penjing/named-array';
import { Layer, Sequential, Tell, child, select, staticField, type SideInputs } from '@penjing/layers';
import { TransformerBlock, TransformerFeedForward } from '@penjing/transformer';
import { SparseAutoencoder } from './sae.js';
import { insertAtSite } from './sites.js';

/** The SAE at a site: `x → x̂` (or `x̂ + (x − x̂)` with the error term), telling features under `tag`. */
export class SaeSplice extends Layer.define('SaeSplice', {
  sae: child<SparseAutoencoder>(),
  /** Replaces the features before decoding (an intervention); identity when absent. */
  edit: child<Layer<NamedArray, NamedArray> | null>().default(null),
  errorTerm: staticField<boolean>().default(true),
  tag: staticField<string | null>().default(null),
})<NamedArray, NamedArray> {
  protected override forward(x: NamedArray, side: SideInputs): NamedArray {
    let f = this.sae.encode(x);
    if (this.edit) f = this.edit.call(f, side) as NamedArray;
    if (this.tag) f = new Tell({ tag: this.tag }).call(f, side) as NamedArray;
    let out = this.sae.decode(f);
    if (this.sae.skip) out = out.add(this.sae.skip.call(x) as NamedArray);
    if (!this.errorTerm) return out;
    // x + (x̂' − x̂): the error term written so that without an edit the change is exactly 0 (bit-exact
    // logits), and an edit moves the output by its decoded change; gradients reach the features either way.
    const clean = this.edit || this.tag ? reconstruct(this.sae, x) : out;
    return x.add(out.sub(clean));
  }
}

function reconstruct(sae: SparseAutoencoder, x: NamedArray): NamedArray {
  return sae.call(x) as NamedArray;
}

/** Options of `spliceSae`. */
export interface SpliceOptions {
  /** Keep `x − x̂` so the model's output is unchanged (default true). */
  readonly errorTerm?: boolean;
  /** Tell the features under this tag (collect with CollectSideOutputs). */
  readonly tag?: string;
  /** A layer applied to the features before decoding (e.g. a feature ablation). */
  readonly edit?: Layer<NamedArray, NamedArray>;
}

/** Maps a Hugging Face hook point of a Gemma Scope 2 config to a site name, when it is one we know. */
export function siteOfHookPoint(hook: string): string | null {
  if (/^blocks\.\d+\./.test(hook)) return hook; // already TransformerLens's spelling (SAELens's hook_name)
  const m = /^model\.(?:language_model\.)?layers\.(\d+)(?:\.(.+))?$/.exec(hook);
  if (!m) return null;
  const l = m[1];
  const rest = m[2] ?? '';
  const table: Record<string, string> = {
    output: 'hook_resid_post',
    '': 'hook_resid_post',
    'post_attention_layernorm.output': 'hook_attn_out',
    'self_attn.output': 'hook_attn_out',
    'self_attn.o_proj.input': 'attn.hook_z',
    'pre_feedforward_layernorm.output': 'ln2.hook_normalized',
    'post_attention_layernorm.input': 'hook_attn_out',
    'post_feedforward_layernorm.output': 'hook_mlp_out',
    'mlp.output': 'hook_mlp_out',
    input: 'hook_resid_pre',
  };
  return table[rest] ? `blocks.${l}.${table[rest]}` : null;
}

/**
 * A copy of `model` with the SAE at `site` (default: the site its config names).
 * @example
 * const spliced = spliceSae(model, sae, { site: 'blocks.1.hook_resid_post', tag: 'features' });
 * spliced.call(tokens); // the same logits as model.call(tokens)
 */
export function spliceSae<R>(model: R, sae: SparseAutoencoder, options: SpliceOptions & { readonly site?: string } = {}): R {
  if (sae.info.type === 'transcoder') return spliceTranscoder(model, sae, { ...options, block: blockOfTranscoder(sae, options.site) });
  const site = options.site ?? (sae.info.hookPointIn ? siteOfHookPoint(sae.info.hookPointIn) : null);
  if (!site) throw new Error(`spliceSae: say where the SAE goes ({site: 'blocks.{l}.hook_resid_post'}); its config names no hook point this library knows${sae.info.hookPointIn ? ` ('${sae.info.hookPointIn}')` : ''}.`);
  return insertAtSite(model, site, new SaeSplice({ sae, edit: options.edit ?? null, errorTerm: options.errorTerm ?? true, tag: options.tag ?? null }));
}

function blockOfTranscoder(sae: SparseAutoencoder, site: string | undefined): number {
  const text = site ?? sae.info.hookPointIn ?? '';
  const m = /(?:blocks|layers)\.(\d+)/.exec(text);
  if (!m) throw new Error(`spliceSae: a transcoder needs its block: give {site: 'blocks.{l}.mlp'} (its config names '${text}').`);
  return Number(m[1]);
}

/**
 * A copy of `model` whose block's MLP (and post-MLP norm, if any) is replaced by the
 * transcoder, which reads the MLP's normalised input.
 * @example spliceTranscoder(model, transcoder, { block: 1, errorTerm: false })
 */
export function spliceTranscoder<R>(model: R, transcoder: SparseAutoencoder, options: SpliceOptions & { readonly block: number }): R {
  const blocks = select(model).atInstancesOf(TransformerBlock);
  if (options.block < 0 || options.block >= blocks.count()) throw new RangeError(`spliceTranscoder: block ${options.block} is not in [0, ${blocks.count()}).`);
  const branch = blocks
    .pickNth(options.block)
    .atSubtreesWhere((n) => n instanceof Sequential && !(n instanceof TransformerBlock) && n.sublayers.some((x) => x instanceof TransformerFeedForward));
  if (branch.count() !== 1) throw new Error(`spliceTranscoder: block ${options.block} has ${branch.count()} MLP branches; expected one.`);
  return branch.apply((s) => {
    const seq = s as Sequential;
    const at = seq.sublayers.findIndex((x) => x instanceof TransformerFeedForward);
    const original = new Sequential({ sublayers: seq.sublayers.slice(at) });
    const splice = new TranscoderSplice({ transcoder, original, errorTerm: options.errorTerm ?? true, tag: options.tag ?? null, edit: options.edit ?? null });
    return seq.replace({ sublayers: [...seq.sublayers.slice(0, at), splice] });
  });
}

/** A transcoder standing in for the MLP layers in `original` (kept to compute the error term). */
export class TranscoderSplice extends Layer.define('TranscoderSplice', {
  transcoder: child<SparseAutoencoder>(),
  original: child<Sequential>(),
  edit: child<Layer<NamedArray, NamedArray> | null>().default(null),
  errorTerm: staticField<boolean>().default(true),
  tag: staticField<string | null>().default(null),
})<NamedArray, NamedArray> {
  protected override forward(x: NamedArray, side: SideInputs): NamedArray {
    const tc = this.transcoder;
    let f = tc.encode(x);
    if (this.edit) f = this.edit.call(f, side) as NamedArray;
    if (this.tag) f = new Tell({ tag: this.tag }).call(f, side) as NamedArray;
    let out = tc.decode(f);
    if (tc.skip) out = out.add(tc.skip.call(x) as NamedArray);
    if (!this.errorTerm) return out;
    const target = this.original.call(x, side) as NamedArray;
    const clean = this.edit || this.tag ? (tc.call(x) as NamedArray) : out;
    return target.add(out.sub(clean));
  }
}
