// The browser test pages are bundled by esbuild, which drops types unchecked; importing them
// here makes `npm run build` (tsc -p tests/types) type-check them — among them the browser
// example of packages/jit/README.md (tests/browser/pages/jit-page.ts).
export type { } from '../browser/pages/jit-page.js';
export type { } from '../browser/pages/model-page.js';
