/**
 * Regular expressions that come from files (tokenizer.json normaliser / pre-tokeniser
 * patterns, adapter_config.json module patterns) run on JavaScript's backtracking engine, where
 * a hostile pattern such as `(a+)+$` or `(a|aa)*b` takes exponential time on a short input.
 * A linear-time engine is not an option here: the tokenizer library compiles patterns itself,
 * the pure-JS RE2 ports cannot run the look-aheads real tokenizers use (`\s+(?!\S)`), and
 * native RE2 needs a build step. So a pattern from a file must first pass this check, which
 * admits only shapes whose backtracking is polynomial of low degree:
 *
 * - no back-references (`\1`, `\k<name>`: matching with them is NP-hard);
 * - no repeated group (`*`, `+`, `{n,m}` with m > 1) containing a quantifier or an alternation
 *   (the nested and ambiguous repetition behind every exponential case);
 * - at most {@link MAX_UNBOUNDED_IN_SEQUENCE} unbounded quantifiers one after another in a branch
 *   (each adds one to the polynomial degree of a failing match).
 *
 * Every pre-tokeniser pattern of the GPT-2, Llama 3, Qwen 2 and Gemma tokenizers passes.
 */

/** Most unbounded quantifiers (`*`, `+`, `{n,}`) allowed in sequence within one branch. */
export const MAX_UNBOUNDED_IN_SEQUENCE = 2;
/** Longest pattern accepted from a file. */
export const MAX_PATTERN_LENGTH = 2000;

/** What a (sub)pattern contains, as far as the check needs. */
interface Shape {
  /** Holds any quantifier. */
  readonly quantified: boolean;
  /** Holds an alternation `|`. */
  readonly alternation: boolean;
  /** Most unbounded quantifiers along one path through it. */
  readonly degree: number;
}

class Scanner {
  pos = 0;
  constructor(readonly src: string) {}
  peek(): string | undefined {
    return this.src[this.pos];
  }
}

/**
 * Why `pattern` is unsafe to run on a backtracking engine, or `undefined` if it is safe (and
 * valid). `flags` are the flags it will be compiled with.
 *
 * @example
 * unsafePatternReason('(a+)+$');            // 'a repeated group contains a quantifier ...'
 * unsafePatternReason("'s|'t| ?\\p{L}+");   // undefined
 */
export function unsafePatternReason(pattern: string, flags: string | null = 'u'): string | undefined {
  if (typeof pattern !== 'string') return `it is ${pattern === null ? 'null' : typeof pattern}, not a string`;
  if (pattern.length > MAX_PATTERN_LENGTH) return `it is ${pattern.length} characters long (the limit is ${MAX_PATTERN_LENGTH})`;
  // flags null: the caller's library validates (and may rewrite) the syntax itself.
  if (flags !== null) {
    try {
      new RegExp(pattern, flags);
    } catch (e) {
      return `it is not a valid regular expression (${(e as Error).message})`;
    }
  }
  try {
    const s = new Scanner(pattern);
    const shape = alternatives(s);
    if (s.pos < pattern.length) return `unbalanced ')' at offset ${s.pos}`;
    if (shape.degree > MAX_UNBOUNDED_IN_SEQUENCE) {
      return `it has ${shape.degree} unbounded quantifiers in a row (at most ${MAX_UNBOUNDED_IN_SEQUENCE} keep backtracking fast)`;
    }
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Throws unless `pattern` passes {@link unsafePatternReason}; `where` names the file and key.
 *
 * @example
 * const re = safeRegExp(k, 'adapter_config.json alpha_pattern key', '');
 */
export function safeRegExp(pattern: string, where: string, flags = 'u'): RegExp {
  const why = unsafePatternReason(pattern, flags);
  if (why !== undefined) {
    throw new RangeError(`${where}: the pattern ${JSON.stringify(pattern.slice(0, 200))} is refused: ${why}. ` +
      'Patterns from files must not nest or repeat ambiguous quantified groups (e.g. (a+)+, (a|aa)*) or use back-references.');
  }
  return new RegExp(pattern, flags);
}

function alternatives(s: Scanner): Shape {
  const branches: Shape[] = [sequence(s)];
  while (s.peek() === '|') {
    s.pos++;
    branches.push(sequence(s));
  }
  return {
    quantified: branches.some((b) => b.quantified),
    alternation: branches.length > 1 || branches.some((b) => b.alternation),
    degree: Math.max(...branches.map((b) => b.degree)),
  };
}

function sequence(s: Scanner): Shape {
  let quantified = false;
  let alternation = false;
  let degree = 0;
  for (let c = s.peek(); c !== undefined && c !== '|' && c !== ')'; c = s.peek()) {
    const atom = term(s);
    const q = quantifier(s);
    if (q && q.max > 1 && (atom.quantified || atom.alternation)) {
      throw new Error(`a repeated group contains ${atom.quantified ? 'a quantifier' : 'an alternation'} (before offset ${s.pos}), which can backtrack exponentially`);
    }
    quantified ||= atom.quantified || q !== undefined;
    alternation ||= atom.alternation;
    degree += atom.degree + (q && q.max === Infinity ? 1 : 0);
  }
  return { quantified, alternation, degree };
}

const NONE: Shape = { quantified: false, alternation: false, degree: 0 };

function term(s: Scanner): Shape {
  const c = s.src[s.pos++]!;
  if (c === '\\') {
    const n = s.src[s.pos++];
    if (n === undefined) throw new Error('the pattern ends with a lone backslash');
    if (/[1-9]/.test(n) || (n === 'k' && s.peek() === '<')) throw new Error('it uses a back-reference, which makes matching exponential');
    if ((n === 'p' || n === 'P' || n === 'u' || n === 'x') && s.peek() === '{') skipPast(s, '}');
    return NONE;
  }
  if (c === '[') {
    while (s.pos < s.src.length && s.src[s.pos] !== ']') s.pos += s.src[s.pos] === '\\' ? 2 : 1;
    s.pos++;
    return NONE;
  }
  if (c === '(') {
    let lookaround = false;
    if (s.src.startsWith('?', s.pos)) {
      const rest = s.src.slice(s.pos);
      const m = /^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>|[imsx-]+:)/.exec(rest);
      if (!m) throw new Error(`unknown group syntax at offset ${s.pos - 1}`);
      lookaround = /^\?(?:=|!|<=|<!)/.test(m[0]);
      s.pos += m[0].length;
    }
    const inner = alternatives(s);
    if (s.src[s.pos++] !== ')') throw new Error('unbalanced parenthesis');
    // Look-arounds are atomic in JavaScript: their inside is never re-entered by backtracking.
    return lookaround ? { ...inner, degree: 0, quantified: false, alternation: false } : inner;
  }
  return NONE;
}

function skipPast(s: Scanner, end: string): void {
  const i = s.src.indexOf(end, s.pos);
  s.pos = i < 0 ? s.src.length : i + 1;
}

function quantifier(s: Scanner): { max: number } | undefined {
  const c = s.peek();
  let max: number | undefined;
  if (c === '*' || c === '+') {
    s.pos++;
    max = Infinity;
  } else if (c === '?') {
    s.pos++;
    max = 1;
  } else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(s.src.slice(s.pos));
    if (!m) return undefined;
    s.pos += m[0].length;
    max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
  }
  if (max === undefined) return undefined;
  if (s.peek() === '?') s.pos++; // lazy: same worst case
  return { max };
}

/**
 * Checks every `{"Regex": ...}` pattern in a parsed tokenizer.json (normaliser, pre-tokeniser,
 * decoder, post-processor) before the tokenizer library compiles it; returns the first problem.
 *
 * @example
 * const problem = unsafeTokenizerPattern(json);   // e.g. 'pre_tokenizer.pattern.Regex: ...'
 */
export function unsafeTokenizerPattern(json: Record<string, unknown>): string | undefined {
  const visit = (node: unknown, path: string, depth: number): string | undefined => {
    if (depth > 64) return `${path}: nested more than 64 levels deep`;
    if (typeof node !== 'object' || node === null) return undefined;
    for (const [k, v] of Object.entries(node)) {
      const here = path ? `${path}.${k}` : k;
      if (k === 'Regex') {
        const why = unsafePatternReason(v as string, null);
        if (why !== undefined) return `${here} ${JSON.stringify(String(v).slice(0, 120))} is refused: ${why}`;
      } else {
        const problem = visit(v, here, depth + 1);
        if (problem) return problem;
      }
    }
    return undefined;
  };
  for (const key of ['normalizer', 'pre_tokenizer', 'decoder', 'post_processor']) {
    const problem = visit(json[key], key, 0);
    if (problem) return problem;
  }
  return undefined;
}
