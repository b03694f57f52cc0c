// Browser test harness: Debian's Chromium (/usr/bin/chromium, from
// scripts/install-system-deps.sh) driven by playwright-core. Pages are served from a
// loopback HTTP server (http://127.0.0.1:<random port>), which is a secure context, so
// the async clipboard API and its permissions behave as in a real notebook page.
//
// Typical use (one browser per test file):
//
//   let browser: Browser;
//   beforeAll(async () => { browser = await launchBrowser(); });
//   afterAll(async () => { await browser?.close(); await closeServer(); });
//   it('...', async () => {
//     const p = await openHtml(browser, html, { clipboard: 'grant' });
//     await p.page.click('button');
//     ...
//     await screenshot(p.page, 'my-test');   // out/browser/my-test.png
//     expect(p.errors).toEqual([]);           // console errors + page errors
//     await p.close();
//   });
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

export type { Browser, BrowserContext, Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.PENJING_CHROMIUM ?? '/usr/bin/chromium';
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const OUT_DIR = join(REPO_ROOT, 'out', 'browser');

/** Flags for a closed network and a root user; see the project's machine notes. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

/**
 * Starts headless Chromium. Each launch gets a fresh, empty profile (playwright's
 * `launch()` makes a new temporary user-data-dir and deletes it on close). Throws with
 * install instructions when Debian's Chromium is missing: browser tests fail, never skip.
 */
export async function launchBrowser(options: { headless?: boolean; executablePath?: string } = {}): Promise<Browser> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH;
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}. Browser tests need Debian's chromium package: ` +
        `run \`bash scripts/install-system-deps.sh\` (as root), or set PENJING_CHROMIUM to a Chromium binary.`,
    );
  }
  return chromium.launch({
    executablePath,
    headless: options.headless ?? true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
}

// ---------------------------------------------------------------------------------------
// Loopback server: one per test file (module), started on first use.

export interface Route {
  body: string | Uint8Array;
  type?: string;
}

const routes = new Map<string, Route>();
/** Every Range request the server answered, as `path from-to`, in order. */
export const rangeRequests: string[] = [];
let server: Server | undefined;
let serverOrigin: Promise<string> | undefined;
let counter = 0;

/** The origin (http://127.0.0.1:<port>) of this file's loopback server, starting it if needed. */
export function serverUrl(): Promise<string> {
  serverOrigin ??= new Promise<string>((resolve, reject) => {
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const route = routes.get(path);
      if (!route && path === '/favicon.ico') {
        res.writeHead(204).end(); // browsers ask for it; no console error for a missing icon
        return;
      }
      if (!route) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
        return;
      }
      const type = route.type ?? contentType(path);
      const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (range) {
        // HTTP Range, as file hosts serve large checkpoints (lazy per-tensor reads).
        const body = typeof route.body === 'string' ? new TextEncoder().encode(route.body) : route.body;
        const [from, to] = [Number(range[1]), Math.min(Number(range[2]), body.byteLength - 1)];
        rangeRequests.push(`${path} ${from}-${to}`);
        res.writeHead(206, { 'content-type': type, 'cache-control': 'no-store', 'content-range': `bytes ${from}-${to}/${body.byteLength}` });
        res.end(body.subarray(from, to + 1));
        return;
      }
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(route.body);
    });
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server!.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
  return serverOrigin;
}

function contentType(path: string): string {
  if (path.endsWith('.html')) return 'text/html; charset=utf-8';
  if (path.endsWith('.js') || path.endsWith('.mjs')) return 'text/javascript; charset=utf-8';
  if (path.endsWith('.css')) return 'text/css; charset=utf-8';
  if (path.endsWith('.json')) return 'application/json';
  if (path.endsWith('.wasm')) return 'application/wasm';
  if (path.endsWith('.png')) return 'image/png';
  return 'application/octet-stream';
}

/** Serves `body` at `path` (e.g. '/bundle.js') on the loopback server; returns its URL. */
export async function serve(path: string, body: string | Uint8Array, type?: string): Promise<string> {
  const origin = await serverUrl();
  routes.set(path.startsWith('/') ? path : `/${path}`, { body, type });
  return `${origin}${path.startsWith('/') ? path : `/${path}`}`;
}

/** Stops the loopback server (call in afterAll). */
export async function closeServer(): Promise<void> {
  const s = server;
  server = undefined;
  serverOrigin = undefined;
  routes.clear();
  if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
}

// ---------------------------------------------------------------------------------------
// Pages

export type ClipboardSetting = 'grant' | 'deny' | 'default';

export interface OpenOptions {
  /**
   * Clipboard permissions for the page's origin. 'default' is Chromium's own: clipboard-write
   * is already granted to a secure origin (a click can copy), clipboard-read is 'prompt'
   * (readText is refused headless). Use 'deny' to test the refused-copy path.
   */
  clipboard?: ClipboardSetting;
  colorScheme?: 'light' | 'dark' | 'no-preference';
  viewport?: { width: number; height: number };
  /** Whether JavaScript runs (false tests the no-JS fallback). */
  javaScriptEnabled?: boolean;
  /** Path to serve the HTML at; default a fresh /page-<n>.html. */
  path?: string;
}

export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  /** The page's URL and origin on the loopback server. */
  url: string;
  origin: string;
  /** Console messages of type 'error' and uncaught page errors, as text, in order. */
  errors: string[];
  /** Every console message as `type: text`. */
  console: string[];
  /** URLs of every request the page made (the served page first); see externalRequests. */
  requests: string[];
  /** Requests that left the loopback server: a self-contained page makes none. */
  externalRequests(): string[];
  close(): Promise<void>;
}

/**
 * Serves `html` from the loopback server and opens it in a new browser context (fresh
 * cookies, storage and permissions). Waits for the load event.
 */
export async function openHtml(browser: Browser, html: string, options: OpenOptions = {}): Promise<OpenedPage> {
  const path = options.path ?? `/page-${++counter}.html`;
  const url = await serve(path, html, 'text/html; charset=utf-8');
  const origin = new URL(url).origin;
  const context = await browser.newContext({
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.viewport ?? { width: 1000, height: 800 },
    javaScriptEnabled: options.javaScriptEnabled ?? true,
  });
  // Nothing may leave the loopback server: abort such requests at once (they are still
  // listed in `requests`, so externalRequests() reports them).
  await context.route((u) => u.origin !== origin, (route) => route.abort('blockedbyclient'));
  const page = await context.newPage();
  const errors: string[] = [];
  const consoleLines: string[] = [];
  const requests: string[] = [];
  page.on('console', (msg) => {
    consoleLines.push(`${msg.type()}: ${msg.text()}`);
    if (msg.type() === 'error') {
      const loc = msg.location();
      errors.push(`console.error: ${msg.text()}${loc?.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
    }
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.name}: ${err.message}`));
  page.on('request', (req) => {
    if (!req.url().endsWith('/favicon.ico')) requests.push(req.url());
  });
  if (options.clipboard === 'grant') await grantClipboard(context, origin);
  if (options.clipboard === 'deny') await denyClipboard(browser, page, origin);
  await page.goto(url, { waitUntil: 'load' });
  return {
    page,
    context,
    url,
    origin,
    errors,
    console: consoleLines,
    requests,
    externalRequests: () => requests.filter((r) => !r.startsWith(`${origin}/`) && !r.startsWith('data:') && !r.startsWith('blob:')),
    close: () => context.close(),
  };
}

/** Grants clipboard read and write to `origin` in this context. */
export async function grantClipboard(context: BrowserContext, origin: string): Promise<void> {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
}

/**
 * Denies clipboard read and write to `origin` for the page's browser context (explicitly
 * 'denied', not merely 'prompt'), so navigator.clipboard.writeText rejects with
 * NotAllowedError even after a click. Playwright has no deny API, so this uses CDP's
 * Browser.setPermission. Chromium drops a session's permission overrides when that CDP
 * session detaches, so the session stays attached until the context closes.
 */
export async function denyClipboard(browser: Browser, page: Page, origin: string): Promise<void> {
  const pageSession = await page.context().newCDPSession(page);
  const { targetInfo } = (await pageSession.send('Target.getTargetInfo')) as {
    targetInfo: { browserContextId?: string };
  };
  await pageSession.detach();
  const session = await browser.newBrowserCDPSession();
  for (const name of ['clipboard-read', 'clipboard-write']) {
    await session.send('Browser.setPermission', {
      permission: { name },
      setting: 'denied',
      origin,
      browserContextId: targetInfo.browserContextId,
    });
  }
  page.context().once('close', () => {
    session.detach().catch(() => {});
  });
}

/** Reads the system clipboard as the page sees it (needs clipboard-read granted). */
export async function readClipboard(page: Page): Promise<string> {
  return page.evaluate(() => navigator.clipboard.readText());
}

/** Saves a full-page PNG to out/browser/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const file = join(OUT_DIR, `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.png`);
  mkdirSync(dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * One browser for a test file (or describe block): launched before its tests, closed with the
 * loopback server after them. Returns a getter, since the browser exists only once they start.
 * @example const browser = useBrowser(); … await openHtml(browser(), html);
 */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await closeServer();
  });
  return () => {
    if (!browser) throw new Error('useBrowser(): the browser is only available inside tests (after beforeAll).');
    return browser;
  };
}
