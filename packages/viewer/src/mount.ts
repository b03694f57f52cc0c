/**
 * Showing a view inside any page element. A fragment's loader is an inline `<script>`, and
 * scripts inserted as HTML (innerHTML, insertAdjacentHTML) never run; `mount` re-creates
 * them so they do, which is all the components need (a page whose Content-Security-Policy
 * forbids inline scripts shows the text fallback).
 */
import { View, view, type ViewOptions } from './view.js';

/**
 * Replaces `element`'s content with the interactive view of `value` (or of a View) and returns the View.
 * @example mount(document.querySelector('#tree')!, model);
 */
export function mount(element: Element, value: unknown, options: ViewOptions = {}): View {
  const v = value instanceof View ? value : view(value, options);
  element.innerHTML = v.html();
  for (const old of Array.from(element.querySelectorAll('script'))) {
    if (old.type === 'application/json') continue;
    const script = element.ownerDocument.createElement('script');
    script.textContent = old.textContent;
    old.replaceWith(script);
  }
  return v;
}
