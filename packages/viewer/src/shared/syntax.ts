/**
 * How nodes are spelled: opening and closing brackets, key prefixes, one-line forms and
 * array summaries, as token lists. The text renderer and the browser components both build
 * their lines from these functions, so the two outputs always agree line for line.
 */
import { abbreviateQuoted, formatG2, formatInt, formatValue, isIdentifier, quoteString } from './format.js';
import type { ArrayNode, Summary, TNode, Tok } from './model.js';

/** Children shown in the current mode (round-trip-only children hidden otherwise). */
export function visibleChildren(n: TNode, rt: boolean): TNode[] {
  if (n.t !== 'struct' && n.t !== 'list' && n.t !== 'record') return [];
  return rt ? n.c : n.c.filter((c) => !c.rt);
}

/** True for nodes that can be folded: non-empty containers, and arrays with a heatmap in HTML. */
export function isFoldable(n: TNode, rt: boolean, html: boolean): boolean {
  if (n.t === 'array') return html && !!n.h;
  return visibleChildren(n, rt).length > 0;
}

/** The first line of an expanded container: `Linear(`, or in round-trip mode `Linear({` (the form parseTree reads). */
export function openTokens(n: TNode, rt: boolean): Tok[] {
  if (n.t === 'struct') return rt ? [['t', n.ty], ['', '({']] : [['t', n.ty], ['', '(']];
  if (n.t === 'list') return [['', '[']];
  if (n.t === 'record') return [['', '{']];
  return flatTokens(n, rt);
}

/** The last line of an expanded container. */
export function closeTokens(n: TNode, rt: boolean): Tok[] {
  if (n.t === 'struct') return [['', rt ? '})' : ')']];
  if (n.t === 'list') return [['', ']']];
  if (n.t === 'record') return [['', '}']];
  return [];
}

/** The prefix before a child: `name=` for struct fields, `key: ` for records, nothing in lists. */
export function keyTokens(child: TNode, parent: TNode | undefined, rt: boolean): Tok[] {
  if (!parent || child.k === undefined) return [];
  if (parent.t === 'struct') {
    const name = isIdentifier(child.k) ? child.k : quoteString(child.k);
    return [['', rt ? `${name}: ` : `${name}=`]];
  }
  if (parent.t === 'record') return [['', `${isIdentifier(child.k) ? child.k : quoteString(child.k)}: `]];
  return [];
}

/** A collapsed line shows a node's whole content when it fits in this many characters. */
export const FLAT_LIMIT = 80;
/** Past this many characters a collapsed line ends its children with `<N more…>`. */
export const LINE_LIMIT = 120;
/** Otherwise each child shows whole only when it is this short, else abbreviated (`Type(…)`). */
export const CHILD_LIMIT = 24;

/**
 * The complete one-line form of a node: every descendant, arrays as dtype and shape
 * (`<NamedArray float32[a:2]>`). Its width decides folding; it is shown when short.
 */
export function compactTokens(n: TNode, rt: boolean): Tok[] {
  switch (n.t) {
    case 'leaf':
      return [n.v];
    case 'cycle':
      return [['e', `<cyclic reference to ${n.ty}>`]];
    case 'array':
      return [['y', summaryText(n, false)]];
    default: {
      const out: Tok[] = [...openTokens(n, rt)];
      visibleChildren(n, rt).forEach((c, i) => {
        if (i) out.push(['', ', ']);
        out.push(...keyTokens(c, n, rt), ...compactTokens(c, rt));
      });
      out.push(...closeTokens(n, rt));
      return out;
    }
  }
}

const widthMemo = [new WeakMap<TNode, number>(), new WeakMap<TNode, number>()];

/** Width of `compactTokens(n, rt)`, computed once per node and mode. */
export function compactWidth(n: TNode, rt: boolean): number {
  const memo = widthMemo[rt ? 1 : 0];
  const hit = memo.get(n);
  if (hit !== undefined) return hit;
  let w: number;
  if (n.t === 'leaf' || n.t === 'cycle' || n.t === 'array') w = tokensWidth(compactTokens(n, rt));
  else {
    const kids = visibleChildren(n, rt);
    w = tokensWidth(openTokens(n, rt)) + tokensWidth(closeTokens(n, rt)) + 2 * Math.max(0, kids.length - 1);
    for (const c of kids) w += tokensWidth(keyTokens(c, n, rt)) + compactWidth(c, rt);
  }
  memo.set(n, w);
  return w;
}

/** A child squeezed into a collapsed parent's line: `Type(…)`, `[…]`, `{…}`, dtype and shape, or a cut string. */
function abbreviatedTokens(n: TNode, rt: boolean): Tok[] {
  if (n.t === 'leaf') return n.v[0] === 's' ? [['s', abbreviateQuoted(n.v[1], CHILD_LIMIT)]] : [n.v];
  if (n.t === 'struct' || n.t === 'list' || n.t === 'record') {
    return visibleChildren(n, rt).length ? [...openTokens(n, rt), ['a', '…'], ...closeTokens(n, rt)] : compactTokens(n, rt);
  }
  return compactTokens(n, rt);
}

/**
 * The form of a node on its own collapsed line: an array's full summary; a container's whole
 * content when it fits in FLAT_LIMIT characters, else its children each whole when short and
 * abbreviated otherwise, so a collapsed line stays readable however deep the subtree is.
 */
export function flatTokens(n: TNode, rt: boolean): Tok[] {
  if (n.t === 'array') return [['y', summaryText(n, true)]];
  if (n.t === 'leaf' || n.t === 'cycle' || compactWidth(n, rt) <= FLAT_LIMIT) return compactTokens(n, rt);
  const out: Tok[] = [...openTokens(n, rt)];
  const kids = visibleChildren(n, rt);
  let width = 0;
  for (let i = 0; i < kids.length; i++) {
    if (width > LINE_LIMIT) {
      out.push(['', ', '], ['a', `<${kids.length - i} more…>`]);
      break;
    }
    const c = kids[i];
    const part = [...keyTokens(c, n, rt), ...(compactWidth(c, rt) <= CHILD_LIMIT ? compactTokens(c, rt) : abbreviatedTokens(c, rt))];
    if (i) out.push(['', ', ']);
    out.push(...part);
    width += tokensWidth(part) + 2;
  }
  out.push(...closeTokens(n, rt));
  return out;
}

/** The width that decides folding: an array's summary line, or a container's complete one-line form. */
export function decisionWidth(n: TNode, rt: boolean): number {
  return n.t === 'array' ? [...summaryText(n, true)].length : compactWidth(n, rt);
}

/** Total character width of tokens (code points, as a monospace font lays them out). */
export function tokensWidth(toks: readonly Tok[]): number {
  let w = 0;
  for (const [, text] of toks) w += [...text].length;
  return w;
}

/** Concatenated text of tokens. */
export function tokensText(toks: readonly Tok[]): string {
  return toks.map(([, t]) => t).join('');
}

/**
 * The dtype and shape: `float32[2,3]` (positional), `float32[batch:2, seq:3]` (named), or
 * `float32[2,3 | batch:2]` (both).
 */
export function shapeText(sm: Summary): string {
  const pos = sm.pos.join(',');
  const named = sm.named.map(([k, v]) => `${k}:${v}`).join(', ');
  return `${sm.dtype}[${pos && named ? `${pos} | ${named}` : pos || named}]`;
}

/**
 * Treescope's statistics: `≈mean ±std [≥min, ≤max]` for floats (moments over the finite
 * values, bounds over all but NaN, so ±inf can be a bound; all absent when nothing is
 * finite), `[≥min, ≤max]` with `_` separators for integers, then the counts that are not
 * zero (`zero:`, `nonzero:`, `nan:`, `inf:`, `-inf:`; bools `true:`, `false:`).
 */
export function statsText(sm: Summary): string {
  if (sm.value !== undefined) return `= ${formatValue(sm.value, sm.dtype)}`;
  const st = sm.st;
  if (!st) return sm.note ? `- ${sm.note}` : '';
  const parts: string[] = [];
  const counts = (list: [string, number | undefined][]) => {
    for (const [k, v] of list) if (v) parts.push(`${k}:${formatInt(v)}`);
  };
  if (sm.dtype === 'bool') {
    counts([['true', st.tru], ['false', st.fls]]);
    return parts.join(' ');
  }
  const isFloat = sm.dtype === 'float32' || sm.dtype === 'float16' || sm.dtype === 'float64';
  if (isFloat && st.mean !== undefined && st.std !== undefined) parts.push(`≈${formatG2(st.mean)}`, `±${formatG2(st.std)}`);
  if (st.min !== undefined && st.max !== undefined) {
    const f = isFloat ? formatG2 : formatInt;
    parts.push(`[≥${f(st.min)}, ≤${f(st.max)}]`);
  }
  counts([['zero', st.zero], ['nonzero', st.nonzero], ['nan', st.nan], ['inf', st.inf], ['-inf', st.ninf]]);
  return parts.join(' ');
}

/** `<NamedArray float32[a:2] ≈… >` (full) or `<NamedArray float32[a:2]>` (short). */
export function summaryText(n: ArrayNode, full: boolean): string {
  const stats = full || n.sm.value !== undefined ? statsText(n.sm) : '';
  return `<${n.ty} ${shapeText(n.sm)}${stats ? ` ${stats}` : ''}>`;
}

/** The comment added to a selected node's first line. */
export const SELECTED_COMMENT = '  // selected';

/**
 * The path of a child from its parent's: `.name` for a struct field (`["name"]` when not an
 * identifier), `["key"]` for a record key, `[3]` for a list item. The same text as
 * `keyPathToString` in @penjing/layers gives for the extended key path.
 * @example childPath('.layers', listNode, childNode, 3) // '.layers[3]'
 */
export function childPath(parentPath: string, parent: TNode, child: TNode, index: number): string {
  if (parent.t === 'list' || child.k === undefined) return `${parentPath}[${index}]`;
  if (parent.t === 'struct' && isIdentifier(child.k)) return `${parentPath}.${child.k}`;
  return `${parentPath}[${JSON.stringify(child.k)}]`;
}

/** The copy form `select(model).at(m => m.body.blocks[3])` for a path. */
export function selectForm(path: string, name: string): string {
  return path ? `select(${name}).at(m => m${path})` : `select(${name})`;
}
