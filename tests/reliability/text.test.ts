// Classes 11 and 12: the CLI exits quietly on a closed pipe; control characters from user data
// are escaped in every text rendering (CLI output, renderText, Jupyter text/plain); deep and big
// plain data render summarised (the browser half of class 12 is tests/browser/viewer-limits.test.ts).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as nx from '@penjing/named-array';
import { renderText, view } from '@penjing/viewer';
import '@penjing/gemma';
import { escapeTerminal, main } from '@penjing/transformer/cli';
import { REPO_ROOT } from './support.js';

const RAW = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
const EVIL = 'a\x1b[31mred\x07bell\x08\r\x9b2J\u202eevil\u2066';

describe('closed pipes (class 11)', () => {
  const script = (handler: boolean) => `
    import { exitQuietlyOnBrokenPipe } from '@penjing/transformer/cli';
    ${handler ? 'exitQuietlyOnBrokenPipe(process);' : ''}
    let i = 0;
    const more = () => { for (let k = 0; k < 200; k++) process.stdout.write('token ' + i++ + '\\n'); if (i < 2e6) setImmediate(more); };
    more();
  `;
  const piped = (handler: boolean) => spawnSync('sh', ['-c', `"${process.execPath}" --input-type=module -e "$SCRIPT" | head -n 1`], {
    cwd: REPO_ROOT, env: { ...process.env, SCRIPT: script(handler) }, encoding: 'utf8', timeout: 60_000,
  });

  it('piped into head, the CLI exits quietly (and without the handler Node prints an EPIPE trace)', () => {
    const quiet = piped(true);
    expect(quiet.stdout).toBe('token 0\n');
    expect(quiet.stderr).toBe('');
    const loud = piped(false);
    expect(loud.stderr).toMatch(/EPIPE/);
  });

  it('main() treats an EPIPE from a writer as a quiet success', async () => {
    const broken = { write: () => { throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }); } };
    let err = '';
    expect(await main(['--help'], { stdout: broken, stderr: { write: (t: string) => (err += t) } })).toBe(0);
    expect(err).toBe('');
  });
});

describe('control characters are escaped in every text rendering (class 11)', () => {
  it('escapeTerminal keeps newlines and tabs and shows everything else', () => {
    expect(escapeTerminal(`${EVIL}\n\tok`)).toBe('a\\x1b[31mred\\x07bell\\x08\\x0d\\x9b2J\\u202eevil\\u2066\n\tok');
  });

  it('CLI: data in stdout and stderr is escaped', async () => {
    let out = '';
    let err = '';
    const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) } };
    expect(await main(['inspect', '--model', `/nonexistent/${EVIL}`], io)).toBe(1);
    expect(await main([`gen${EVIL}`], io)).toBe(2);
    expect(await main(['help', EVIL], io)).toBe(0);
    expect(err).toContain('\\x1b[31mred\\x07bell');
    expect(RAW.test(out.replace(/\n/g, ''))).toBe(false);
    expect(RAW.test(err.replace(/\n/g, ''))).toBe(false);
  });

  it('viewer: renderText and Jupyter text/plain escape strings, keys and symbol descriptions', async () => {
    await nx.ready();
    const value = { [EVIL]: EVIL, list: [EVIL], sym: Symbol(EVIL), nested: { deeper: new Map([[EVIL, EVIL]]) } };
    const text = renderText(value, { expand: 'all' });
    const plain = (view(value) as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for('Jupyter.display')]!()['text/plain']!;
    for (const t of [text, plain]) {
      expect(RAW.test(t.replace(/\n/g, '')), JSON.stringify(t)).toBe(false);
      expect(t).toContain('\\u001b[31mred\\u0007bell');
      expect(t).toContain('\\u202eevil');
    }
  });
});

describe('deep and big plain data (class 12, text side)', () => {
  it('1,500 levels of nesting render with a truncation marker, no stack overflow', () => {
    const deep: Record<string, unknown> = {};
    let cur = deep;
    for (let i = 0; i < 1500; i++) cur = (cur.c = {}) as Record<string, unknown>;
    const text = renderText(deep, { expand: 'all' });
    expect(text).toContain('<… nested deeper than 100 levels; not shown>');
    expect(text.split('\n').length).toBeLessThan(300);
    expect(view(deep).document().length).toBeLessThan(200_000);
    const chain: unknown[] = [];
    let arr = chain;
    for (let i = 0; i < 5000; i++) arr = (arr[0] = []) as unknown[];
    expect(renderText(chain, { expand: 'all' })).toContain('nested deeper than 100 levels');
  });

  it('a 200,000-element array is summarised: first 1,000 items and a count of the rest', () => {
    const big = Array.from({ length: 200_000 }, (_, i) => i);
    const t0 = performance.now();
    const html = view({ big }).document();
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(html.length).toBeLessThan(1_000_000);
    const text = renderText(big, { expand: 'all' });
    expect(text).toContain('<… 199_000 more items not shown>');
    expect(text).toContain('  999,');
    const long = renderText({ s: 'x'.repeat(5_000_000) });
    expect(long.length).toBeLessThan(20_000);
    expect(long).toContain('… <4_990_000 more characters not shown>');
    const record = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
    expect(renderText(record, { expand: 'all' })).toContain('<… 4_000 more entries not shown>');
  });
});
