// The one place where text is made safe for an output format. Everything a capture carries (DNS names,
// interface names, comments, payload text) and everything a user types is untrusted: every renderer
// (HTML, SVG, Markdown, PDF through HTML) passes each string through these functions and nowhere else
// builds markup from raw text. JSON output needs none of this: JSON.stringify escapes, and scripts want
// the exact value.

/** Longest string shown in full in a table cell or a graph label; longer text is cut with a note. */
export const DEFAULT_CLIP = 300;

// C0 controls except TAB and LF, DEL, C1 controls, bidi overrides and isolates (which can make text
// read backwards: "Trojan source"), zero-width marks, line/paragraph separators, BOM, and the two
// noncharacters XML forbids (an SVG label holding one would not parse).
const INVISIBLE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u2069\ufeff\ufffe\uffff]/g;
// Lone surrogates cannot be encoded in UTF-8 (and break XML parsers): replace them.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function codeOf(ch: string): string {
  const c = ch.charCodeAt(0);
  return c < 0x100 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
}

/**
 * Text with every invisible or direction-changing character spelled out (`\x1b`, `\u202e`), CR LF
 * and CR made LF, lone surrogates replaced, and cut to `max` characters when given.
 */
/** Any value as text: objects as JSON rather than "[object Object]", nothing for null and undefined. */
function textOf(s: unknown): string {
  switch (typeof s) {
    case 'string':
      return s;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(s);
    case 'symbol':
      return s.toString();
    case 'undefined':
      return '';
    default:
      return s === null ? '' : (JSON.stringify(s) ?? '');
  }
}

export function visibleText(s: unknown, max?: number): string {
  let t = textOf(s).replace(/\r\n?/g, '\n').replace(LONE_SURROGATE, '\ufffd').replace(INVISIBLE, codeOf);
  if (max !== undefined && t.length > max) t = clip(t, max);
  return t;
}

/** Cuts `s` to `max` characters (not inside a surrogate pair), saying how much was left out. */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${s.slice(0, end)}… (${s.length - end} more characters)`;
}

/** Cuts to `max` characters with a bare ellipsis (labels in pictures, where there is no room to say more). */
export function shortClip(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = max - 1;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${s.slice(0, end)}…`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text for HTML or XML (SVG) element content and quoted attribute values. */
export function escapeHtml(s: unknown, max?: number): string {
  return visibleText(s, max).replace(/[&<>"'`]/g, (ch) => HTML_ESCAPES[ch]);
}

/**
 * escapeHtml, plus a <wbr> break opportunity every `every` characters inside long unbroken runs (long
 * DNS names, hashes, hostile strings) so table columns can stay narrow without breaking normal words.
 */
export function escapeHtmlBreakable(s: unknown, max?: number, every = 20): string {
  // visibleText leaves no NUL in the text (it becomes "\x00"), so NUL can mark the break points.
  const marked = visibleText(s, max).replace(new RegExp(`([^\\s]{${every}})(?=[^\\s])`, 'g'), '$1\u0000');
  return marked.replace(/[&<>"'`]/g, (ch) => HTML_ESCAPES[ch]).replace(/\u0000/g, '<wbr>');
}

/** Same rules: SVG is XML, and these escapes are valid XML. */
export const escapeXml = escapeHtml;

// ASCII punctuation that can start Markdown syntax anywhere in a line (links, images, emphasis, code,
// raw HTML, entities, tables, strikethrough). CommonMark allows a backslash before any of them.
const MD_INLINE = /[\\`*_{}[\]()<>#!|~&]/g;

function mdLine(line: string): string {
  let t = line.replace(MD_INLINE, '\\$&');
  // Line-start syntax: headings and quotes are covered above; lists, thematic breaks, setext
  // underlines, ordered lists, and indented code (leading spaces).
  t = t.replace(/^\s+/, '');
  t = t.replace(/^([-+])(?=\s|$)/, '\\$1');
  t = t.replace(/^(=+|-+)(\s*)$/, '\\$1$2');
  t = t.replace(/^(\d+)([.)])(?=\s|$)/, '$1\\$2');
  // Bare links are turned into links by GitHub: break the scheme separator and "www." so they stay text.
  t = t.replace(/:\/\//g, ':\\/\\/').replace(/\bwww\./gi, 'www\\.');
  return t;
}

/** Text on one Markdown line (a list item, a heading, a paragraph): line breaks become " ⏎ ". */
export function mdText(s: unknown, max?: number): string {
  return mdLine(visibleText(s, max).replace(/\n/g, ' ⏎ '));
}

/** A Markdown table cell: like mdText, and never empty (an empty cell can shift columns in some viewers). */
export function mdCell(s: unknown, max: number = DEFAULT_CLIP): string {
  const t = mdText(s, max);
  return t === '' ? ' ' : t;
}

/** Multi-line text as Markdown paragraphs with hard line breaks, each line escaped on its own. */
export function mdBlock(s: unknown, max?: number): string {
  return visibleText(s, max)
    .split('\n')
    .map((l) => mdLine(l.replace(/\t/g, '    ')))
    .join('  \n');
}

/** Inline code: a backtick fence longer than any run of backticks inside. */
export function mdCode(s: unknown, max?: number): string {
  const t = visibleText(s, max).replace(/\n/g, ' ⏎ ');
  let run = 0;
  for (const m of t.matchAll(/`+/g)) run = Math.max(run, m[0].length);
  const fence = '`'.repeat(run + 1);
  const pad = t.startsWith('`') || t.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${t}${pad}${fence}`;
}
