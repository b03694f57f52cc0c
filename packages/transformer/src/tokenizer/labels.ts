/**
 * Turning raw SentencePiece pieces into labels a person can read in one line: the viewer
 * puts them on array axes and in tooltips, where a raw `▁` or a literal newline would mislead.
 */

/** SentencePiece's visible space (U+2581), which Gemma vocabularies use for ' '. */
export const SPACE_PIECE = '\u2581';

const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;

const NAMED_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };

function hex(code: number): string {
  return `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Escapes control characters (C0, DEL, C1) so a label stays on one line; everything else is kept. */
function escapeControls(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (NAMED_ESCAPES[ch] !== undefined) out += NAMED_ESCAPES[ch];
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += hex(code);
    else out += ch;
  }
  return out;
}

/**
 * A readable label for one vocabulary piece: `▁` becomes a space, a byte-fallback piece
 * `<0xHH>` becomes its ASCII character (or `\xHH` when it is a control byte or part of a
 * multi-byte UTF-8 sequence), and control characters are escaped (`\n`, `\t`, `\x00`).
 * Special tokens such as `<bos>` are kept as they are.
 *
 * @example
 * pieceLabel('▁the');    // ' the'
 * pieceLabel('<0x41>');  // 'A'
 * pieceLabel('<0xF4>');  // '\\xF4'
 * pieceLabel('\n\n');    // '\\n\\n'
 */
export function pieceLabel(piece: string): string {
  const byte = BYTE_PIECE.exec(piece);
  if (byte) {
    const code = parseInt(byte[1]!, 16);
    return code >= 0x80 ? hex(code) : escapeControls(String.fromCharCode(code));
  }
  return escapeControls(piece.split(SPACE_PIECE).join(' '));
}
