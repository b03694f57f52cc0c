// Class 12 of issue 16 in Chromium: a page with a 200,000-element array and data nested 1,500
// deep loads, renders and responds to a click within 2 s; the summary and depth markers show.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';
import { view } from '@penjing/viewer';
import { openHtml, useBrowser } from './harness.js';

beforeAll(async () => {
  await nx.ready();
});
const browser = useBrowser();

describe('viewer limits in Chromium', () => {
  it('a 200,000-element array and 1,500-deep data: interactive within 2 s, summarised with markers', async () => {
    const deep: Record<string, unknown> = {};
    let cur = deep;
    for (let i = 0; i < 1500; i++) cur = (cur.c = {}) as Record<string, unknown>;
    const value = { big: Array.from({ length: 200_000 }, (_, i) => i), deep };
    const html = view(value).document();
    const started = Date.now();
    const p = await openHtml(browser(), html);
    await p.page.waitForFunction(() => document.querySelector('pj-view[data-ready]') !== null, undefined, { timeout: 10_000 });
    const toggle = p.page.locator(`pj-view [data-path='["big"]'] > .ln > .tg`).first();
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-expanded')).toBe('true');
    const interactiveMs = Date.now() - started;
    console.log(`200,000-element page: interactive (toggle answered) after ${interactiveMs} ms`);
    const rows = async () => (await p.page.locator('pj-view .ln').allInnerTexts()).join('\n');
    expect(await rows()).toContain('199_000 more items not shown');
    expect(interactiveMs).toBeLessThan(2000);
    expect(p.errors).toEqual([]);
    await p.close();
    // Fully expanded, the deep chain ends in its marker and the page still answers clicks.
    const q = await openHtml(browser(), view(deep, { expand: 'all' }).document());
    await q.page.waitForFunction(() => document.querySelector('pj-view[data-ready]') !== null, undefined, { timeout: 10_000 });
    expect((await q.page.locator('pj-view .ln').allInnerTexts()).join('\n')).toContain('nested deeper than 100 levels; not shown');
    const top = q.page.locator(`pj-view [data-path='["c"]'] > .ln > .tg`).first();
    await top.click();
    await expect.poll(() => top.getAttribute('aria-expanded')).toBe('false');
    expect(q.errors).toEqual([]);
    await q.close();
  });
});
