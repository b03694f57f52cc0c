// The check patterns from files pass before they run on JavaScript's backtracking engine.
import { describe, expect, it } from 'vitest';
import { safeRegExp, unsafePatternReason, unsafeTokenizerPattern } from '@penjing/transformer';

describe('unsafePatternReason', () => {
  it('names the unsafe shape', () => {
    expect(unsafePatternReason('(a+)+$')).toMatch(/a repeated group contains a quantifier/);
    expect(unsafePatternReason('(a|aa)*b')).toMatch(/a repeated group contains an alternation/);
    expect(unsafePatternReason('(x)\\1')).toMatch(/back-reference/);
    expect(unsafePatternReason('a*b*c*')).toMatch(/3 unbounded quantifiers in a row \(at most 2/);
    expect(unsafePatternReason('(')).toMatch(/not a valid regular expression/);
    expect(unsafePatternReason('a'.repeat(3000))).toMatch(/3000 characters long/);
  });

  it('accepts bounded repetition, optional groups, look-arounds and classes', () => {
    for (const p of ['(?:ab){1}', '(?:a|b)?c+', '\\s+(?!\\S)', '[a-z]+[0-9]*', '(?<=x)y+', '\\p{L}{1,3}']) expect(unsafePatternReason(p), p).toBeUndefined();
  });

  it('safeRegExp compiles a safe pattern and throws naming where an unsafe one came from', () => {
    expect(safeRegExp('q_proj|k_proj', 'cfg', '').test('k_proj')).toBe(true);
    expect(() => safeRegExp('(a+)+', 'dir/adapter_config.json, alpha_pattern key')).toThrow(/dir\/adapter_config\.json, alpha_pattern key: the pattern "\(a\+\)\+" is refused/);
  });

  it('unsafeTokenizerPattern finds patterns nested in Sequence normalisers and pre-tokenisers', () => {
    const json = { pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { String: ' ' } }, { type: 'Split', pattern: { Regex: '(\\w+\\s?)*$' } }] } };
    expect(unsafeTokenizerPattern(json)).toMatch(/^pre_tokenizer\.pretokenizers\.1\.pattern\.Regex "\(\\\\w\+\\\\s\?\)\*\$" is refused/);
    expect(unsafeTokenizerPattern({ normalizer: { type: 'Replace', pattern: { Regex: ' +' } } })).toBeUndefined();
  });
});
