/**
 * HTML output. One output is: the data as JSON in a `<script type="application/json">`, a
 * `<pj-view>` element holding the text form in a `<pre>` (shown when no script runs), and a
 * small loader that inflates the bundled components once per page. Nothing is fetched.
 */
import { BUNDLE_DEFLATE_BASE64, BUNDLE_SHA256 } from './generated/bundle.js';
import { encodeNonFinite } from './shared/json.js';
import type { ViewData } from './shared/model.js';

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for HTML element content and attribute values.
 * @example escapeHtml('<img src=x onerror=alert(1)>') // '&lt;img src=x onerror=alert(1)&gt;'
 */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/**
 * JSON safe inside a `<script>` element: `<`, `>`, `&` and the JS line separators are
 * written as \u escapes, so no data string can close the element (`</script>`) or open a
 * comment (`<!--`). `replacer` is JSON.stringify's.
 * @example jsonForScript({ a: '</script>' }) // '{"a":"\\u003c/script\\u003e"}'
 */
export function jsonForScript(value: unknown, replacer?: (this: unknown, key: string, value: unknown) => unknown): string {
  return JSON.stringify(value, replacer)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * The loader: defines nothing itself; if `<pj-view>` is not yet defined on this page (and no
 * other output is already loading it), it inflates the bundle with DecompressionStream and
 * runs it as a script element. Without support it leaves the text fallback in place.
 */
function loaderScript(): string {
  const flag = `__penjingViewer_${BUNDLE_SHA256.slice(0, 12)}`;
  return (
    `(function(){var w=window,d=document,f=${JSON.stringify(flag)};` +
    `if(!w.customElements||customElements.get('pj-view')||w[f]||!w.DecompressionStream)return;w[f]=1;` +
    `function fail(e){w[f]=0;console.warn('penjing viewer: could not load its components; showing text.',e)}` +
    `try{var b=atob(${JSON.stringify(BUNDLE_DEFLATE_BASE64)}),u=new Uint8Array(b.length);` +
    `for(var i=0;i<b.length;i++)u[i]=b.charCodeAt(i);` +
    `new Response(new Blob([u]).stream().pipeThrough(new DecompressionStream('deflate'))).text().then(function(c){` +
    `var s=d.createElement('script');s.textContent=c;(d.head||d.documentElement).appendChild(s)},fail)}catch(e){fail(e)}})();`
  );
}

/**
 * The page's JSON: drops what `<pj-view>` derives from a node's place in the tree, its path
 * (`p`) and pre-order id (`i`), together more than half of a large model's payload; writes
 * NaN and ±Infinity so that they survive (see shared/json.ts).
 */
function pageJson(this: unknown, key: string, value: unknown): unknown {
  if ((key === 'p' || key === 'i') && typeof (this as { t?: unknown }).t === 'string') return undefined;
  return encodeNonFinite(key, value);
}

/**
 * One output as an HTML fragment (for Jupyter's `text/html`, or to place in a page).
 * @example htmlFragment(data, 'Linear(...)')
 */
export function htmlFragment(data: ViewData, text: string): string {
  return (
    `<div class="pj-output">` +
    `<script type="application/json" class="pj-data">${jsonForScript(data, pageJson)}</script>` +
    `<pj-view><pre class="pj-fallback" style="margin:0;font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:13px;line-height:1.5">${escapeHtml(text)}</pre></pj-view>` +
    `<script>${loaderScript()}</script>` +
    `</div>`
  );
}

/**
 * A whole HTML document around one or more fragments.
 * @example htmlDocument([htmlFragment(data, text)], 'My model')
 */
export function htmlDocument(fragments: readonly string[], title = 'Penjing view'): string {
  return (
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta name="color-scheme" content="light dark">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(title)}</title>` +
    `<style>body{margin:12px}.pj-output{margin:0 0 16px}</style>` +
    `</head><body>\n${fragments.join('\n')}\n</body></html>\n`
  );
}
