import { NamedArray } from '@penjing/named-array';
import { valueColor, luminance } from './shared/colormap.js';
import { escapeHtml } from './html.js';
import { JUPYTER_DISPLAY, type MimeBundle } from './view.js';

/** Options of {@link renderTokenScores}. */
export interface TokenScoreOptions {
  /** Colour range; default 0..1 for values in [0, 1], −m..m (diverging) otherwise. */
  vmin?: number;
  vmax?: number;
  /** Diverging map centred on zero (default when any score is negative). */
  aroundZero?: boolean;
  /** Digits shown in each token's tooltip (default 4). */
  digits?: number;
}

/** Rendered HTML and text with a Jupyter display method. */
export class HtmlView {
  constructor(
    readonly htmlText: string,
    readonly text: string,
  ) {}
  /** @example out.html() */
  html(): string {
    return this.htmlText;
  }
  toString(): string {
    return this.text;
  }
  [JUPYTER_DISPLAY](): MimeBundle {
    return { 'text/plain': this.text, 'text/html': this.htmlText };
  }
}

/**
 * A strip of tokens, each shaded by its score (per-token loss, attribution, probability):
 * treescope's token-score rendering. Scores are numbers or a one-axis NamedArray.
 * @example renderTokenScores(['<bos>', 'The', ' cat'], losses.index({ batch: 0 }))
 */
export function renderTokenScores(tokens: readonly string[], scores: readonly number[] | NamedArray, opts: TokenScoreOptions = {}): HtmlView {
  let values: number[];
  if (scores instanceof NamedArray) {
    if (scores.names.length + scores.positionalShape.length !== 1) {
      throw new Error(`renderTokenScores: the scores must have exactly one axis (one score per token); got ${scores.toString()}.`);
    }
    values = Array.from(scores.data.dataSync() as ArrayLike<number>);
  } else values = [...scores];
  if (values.length !== tokens.length) throw new Error(`renderTokenScores: ${tokens.length} tokens but ${values.length} scores; give one score per token.`);
  const finite = values.filter(Number.isFinite);
  const lo = finite.length ? Math.min(...finite) : 0;
  const hi = finite.length ? Math.max(...finite) : 1;
  const diverging = opts.aroundZero ?? lo < 0;
  const lim = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
  const vmin = opts.vmin ?? (diverging ? -lim : lo >= 0 && hi <= 1 ? 0 : lo);
  const vmax = opts.vmax ?? (diverging ? lim : lo >= 0 && hi <= 1 ? 1 : hi > lo ? hi : lo + 1);
  const digits = opts.digits ?? 4;
  const spans = tokens.map((t, i) => {
    const v = values[i]!;
    const [r, g, b] = Number.isFinite(v) ? valueColor(Math.min(vmax, Math.max(vmin, v)), vmin, vmax, diverging ? 'diverging' : 'sequential') : [128, 128, 128];
    const fg = luminance([r, g, b]) > 0.55 ? '#000' : '#fff';
    const shown = t.replace(/\n/g, '⏎');
    return `<span title="${escapeHtml(`${JSON.stringify(t)}: ${v.toPrecision(digits)}`)}" style="background:rgb(${r},${g},${b});color:${fg};white-space:pre;padding:1px 0;border-right:1px solid rgba(127,127,127,.3)">${escapeHtml(shown)}</span>`;
  });
  const html = `<div class="pj-token-scores" style="font-family:monospace;line-height:1.8">${spans.join('')}</div>`;
  const text = tokens.map((t, i) => `${JSON.stringify(t)}:${values[i]!.toPrecision(digits)}`).join(' ');
  return new HtmlView(html, text);
}
