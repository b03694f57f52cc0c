import { Struct } from './struct.js';
import { formatTree } from './format.js';

/**
 * How a struct prints (`String(model)`, `console.log` in Node and Deno): the constructor-style
 * text of `formatTree`, headed by a comment saying how to turn it back into a tree — the text is
 * not JavaScript (`new` is omitted and arrays are summarised), `parseTree` reads it.
 */
export const PRINT_HINT = '// Penjing tree: parseTree(text, { classes: [...] }) rebuilds it; formatTree(tree, { roundTrip: true }) keeps array values';

function printed(this: Struct): string {
  return `${PRINT_HINT}\n${formatTree(this)}`;
}

const proto = Struct.prototype;
for (const key of ['toString', Symbol.for('nodejs.util.inspect.custom'), Symbol.for('Deno.customInspect')] as const) {
  if (!Object.prototype.hasOwnProperty.call(proto, key)) Object.defineProperty(proto, key, { value: printed, configurable: true, writable: true });
}
