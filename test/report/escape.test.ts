import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clip, escapeHtml, escapeXml, mdBlock, mdCell, mdCode, mdText, visibleText } from '../../main/report/escape';
import { HOSTILE, HOSTILE_LIST } from './hostile';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const decodeEntities = (s: string): string =>
  s.replace(/&(amp|lt|gt|quot|#39|#96);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#96': '`' })[e]!);
/** Markdown with its backslash escapes removed, as a CommonMark reader sees the text. */
const unescapeMd = (s: string): string => s.replace(/\\([!-/:-@[-`{-~])/g, '$1');
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ufeff]/;

describe('escaping', () => {
  it('HTML: no markup survives, and decoding the entities gives the text back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const e = escapeHtml(s);
        expect(e).not.toMatch(/[<>"'`]/);
        expect(e).not.toMatch(INVISIBLE);
        expect(decodeEntities(e)).toBe(visibleText(s));
      }),
    );
    for (const h of HOSTILE_LIST) expect(escapeHtml(h)).not.toMatch(/[<>"]/);
    expect(escapeHtml(HOSTILE.imgOnerror)).toBe('&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;');
  });

  it('XML/SVG: the output holds only characters XML 1.0 allows, whatever the input', () => {
    const XML_INVALID =
      /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\ud800-\udfff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(escapeXml(s)).not.toMatch(XML_INVALID);
      }),
    );
    expect(escapeXml('a\uffffb\ufffe')).toBe('a\\uffffb\\ufffe');
  });

  it('spells out control, bidi and separator characters instead of passing them through', () => {
    expect(visibleText('a\u0000b\u001b[31m\u202ec\u2028d\u0085')).toBe('a\\x00b\\x1b[31m\\u202ec\\u2028d\\x85');
    expect(visibleText('tab\tand\r\nnew\rline')).toBe('tab\tand\nnew\nline');
    expect(visibleText('\ud800x')).toBe('\ufffdx');
    expect(visibleText('ok 😀')).toBe('ok 😀');
    expect(visibleText(null)).toBe('');
  });

  it('cuts very long text and says how much is missing, never splitting a surrogate pair', () => {
    expect(clip('abcdef', 4)).toBe('abcd… (2 more characters)');
    expect(clip('ab😀', 3)).toBe('ab… (2 more characters)');
    expect(escapeHtml(HOSTILE.long, 300).length).toBeLessThan(340);
  });

  it('Markdown: every syntax character is escaped, and unescaping gives the one-line text back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii' }), (s) => {
        const m = mdText(s);
        // every syntax character is preceded by a backslash
        expect(m.replace(/\\[!-/:-@[-`{-~]/g, '')).not.toMatch(/[\\`*_{}[\]()<>#!|~&]/);
        expect(unescapeMd(m)).toBe(visibleText(s).replace(/\n/g, ' ⏎ ').replace(/^\s+/, ''));
      }),
    );
  });

  it('Markdown: links, images, raw HTML, tables, headings and bare URLs stay text', () => {
    const m = mdText(HOSTILE.mdLink);
    expect(m).not.toMatch(/(?<!\\)[[\]()<>!]/);
    expect(m).toContain('http:\\/\\/203.0.113.9');
    expect(mdCell(HOSTILE.mdTable)).not.toMatch(/(?<!\\)\|/);
    expect(mdCell(HOSTILE.mdTable)).not.toContain('\n');
    expect(mdText('- item')).toBe('\\- item');
    expect(mdText('1. item')).toBe('1\\. item');
    expect(mdText('    code')).toBe('code');
    expect(mdCell('')).toBe(' ');
    const b = mdBlock('# one\n> two\n- three\n<script>');
    expect(b.split('  \n')).toEqual(['\\# one', '\\> two', '\\- three', '\\<script\\>']);
    expect(mdCode('a ``b`` c')).toBe('```a ``b`` c```');
    expect(mdCode('`x')).toBe('`` `x ``');
  });
});

describe('one place for escaping', () => {
  it('no report module other than escape.ts writes entities or strips markup itself', () => {
    const dir = fileURLToPath(new URL('../../main/report/', import.meta.url));
    const offenders: string[] = [];
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts') && n !== 'escape.ts')) {
      const src = readFileSync(dir + f, 'utf8');
      if (/&(lt|gt|amp|quot|#\d+);|replace\(\/\[?[<>&"]/.test(src)) offenders.push(f);
    }
    expect(offenders).toEqual([]);
  });
});
