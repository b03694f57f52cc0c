/**
 * @penjing/viewer — a treescope-like viewer for Penjing trees, named arrays and selections:
 * foldable constructor-style trees with array summaries and heatmaps, as self-contained HTML
 * (lit components inlined), plain text, or a Deno Jupyter display object.
 *
 * @example
 * import { view, renderToHtml, renderText, renderAttention, renderImageAttention } from '@penjing/viewer';
 * view(model);                                   // last expression of a Deno Jupyter cell
 * writeFileSync('model.html', renderToHtml(model));
 * console.log(renderText(model));
 * renderAttention(probs, { tokens });
 * renderImageAttention(image, probs, { grid: 256, keyStart: 7 }); // text → image attention over the picture
 */
export { view, renderToHtml, renderText, View, isSelectionLike, JUPYTER_DISPLAY } from './view.js';
export { mount } from './mount.js';
export type { ViewOptions, MimeBundle, SelectionLike } from './view.js';
export { renderAttention } from './attention.js';
export { renderImageAttention, type ImageAttentionOptions } from './image-attention.js';
export { VIEW, registerRenderer, reprOf } from './registry.js';
export type { ViewRepr, NodeRepr, TextRepr, ValueRepr, Viewable, RendererMatch } from './registry.js';
export { renderTokenScores, HtmlView, type TokenScoreOptions } from './token-scores.js';
export { basicInteractiveSetup } from './auto-display.js';
export type { AttentionOptions } from './attention.js';
export type { HeatmapOptions, AxisRef } from './heat.js';
export { truncation, inferFacets } from './heat.js';
export { summarize } from './stats.js';
export { colorFromString, hueFromString } from './color.js';
export { formatFloat32, formatG2 } from './shared/format.js';
export { escapeHtml, jsonForScript } from './html.js';
export { balancedLayout } from './layout.js';
export type { LayoutOptions } from './layout.js';
export type { ViewData, TNode, Summary, Stats, HeatSpec, HeatAxis } from './shared/model.js';
