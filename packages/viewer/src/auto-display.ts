/**
 * Notebook display without `view()`: importing the viewer makes a NamedArray that is a cell's
 * value render as its heatmap; `basicInteractiveSetup()` (treescope's `basic_interactive_setup`)
 * does the same for every struct and layer tree.
 */
import { Struct } from '@penjing/layers';
import { JUPYTER_DISPLAY, view, type MimeBundle } from './view.js';

const NAMED_ARRAY_HOOK = Symbol.for('penjing.displayNamedArray');

function display(this: unknown): MimeBundle {
  return view(this)[JUPYTER_DISPLAY]();
}

(globalThis as Record<symbol, unknown>)[NAMED_ARRAY_HOOK] = (x: unknown) => display.call(x);

/**
 * Makes every struct (layers, models, parameters) render with the viewer when it is a cell's
 * value, as NamedArrays already do once the viewer is imported. Idempotent.
 * @example basicInteractiveSetup(); // then a cell whose value is a model shows a foldable tree
 */
export function basicInteractiveSetup(): void {
  const proto = Struct.prototype;
  if (!Object.prototype.hasOwnProperty.call(proto, JUPYTER_DISPLAY)) {
    Object.defineProperty(proto, JUPYTER_DISPLAY, { value: display, configurable: true, writable: true });
  }
}
