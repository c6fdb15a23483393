// Command output gathered into byte chunks of about 64 KiB. Lines are encoded into the chunk as they
// are made, never joined into one string first: one non-Latin-1 character (the '→' of a TCP info
// line) makes V8 flatten a joined string as two-byte text and encode it on its slow path, which was
// a quarter of `decode --format text`. Hot writers can also build a line from parts (ASCII text,
// numbers, IPv4 addresses, text encoded once) straight into the chunk, making no string at all.
import type { TextOut, Word } from '../engine/decode/context';

const CHUNK = 1 << 16;

/**
 * Digits are written four at a time, as one little-endian 32-bit store through a DataView: QUADS[v]
 * holds the four ASCII digits of v (0000..9999), its first digit in the lowest byte. A number of
 * fewer digits takes the quad shifted right by the missing ones, so its first digit comes first
 * (the store also writes zero bytes after it, which the next part overwrites: LineBatch keeps
 * SPARE bytes of room beyond every line for that).
 */
const QUADS = new Uint32Array(10000);
{
  // From the 100 pairs of digits, without a string per value (those took 4-6 ms of every start).
  const pairs = new Uint16Array(100);
  for (let i = 0; i < 100; i++) pairs[i] = (0x30 + ((i / 10) | 0)) | ((0x30 + (i % 10)) << 8);
  for (let v = 0; v < 10000; v++) QUADS[v] = (pairs[(v / 100) | 0] | (pairs[v % 100] << 16)) >>> 0;
}

/** An IPv4 octet 0..255 followed by a dot, packed like QUADS ("255." fills all four bytes), and its length with the dot. */
const OCTET_DOT = new Uint32Array(256);
const OCTET_DOT_LEN = new Uint8Array(256);
for (let v = 0; v < 256; v++) {
  const t = `${v}.`;
  for (let i = 0; i < t.length; i++) OCTET_DOT[v] |= t.charCodeAt(i) << (8 * i);
  OCTET_DOT_LEN[v] = t.length;
}

/** Bytes a part may write beyond its own end (a 32-bit store of fewer digits), kept free after every line. */
const SPARE = 4;

export class LineBatch implements TextOut {
  private buf: Buffer = Buffer.allocUnsafe(CHUNK);
  /** The same bytes as `buf`, for the 32-bit stores of digits. */
  private view = viewOf(this.buf);
  private pos = 0;

  /** Adds `line` and a newline; returns the chunk filled so far when it had no room left for it, to be written. */
  add(line: string): Buffer | null {
    const full = this.begin(line.length * 3 + 1); // UTF-8 needs at most 3 bytes per UTF-16 unit
    this.pos += this.buf.write(line, this.pos);
    this.buf[this.pos++] = 0x0a;
    return full;
  }

  /**
   * Starts a line built from parts, of at most `room` bytes (newline included; the parts below do not
   * check). Returns the chunk filled so far when it had no room left for the line, to be written.
   */
  begin(room: number): Buffer | null {
    if (this.pos + room + SPARE <= this.buf.length) return null;
    const full = this.take();
    if (room + SPARE > this.buf.length) this.setBuffer(Buffer.allocUnsafe(room + SPARE));
    return full;
  }

  private setBuffer(b: Buffer): void {
    this.buf = b;
    this.view = viewOf(b);
  }

  /** Text known to be ASCII (addresses, protocol names): one byte per character. */
  ascii(s: string): void {
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }

  /** Any text (at most 3 bytes per UTF-16 unit, counted in the room given to begin). */
  utf8(s: string): void {
    const n = s.length;
    // Short texts (an info line's words and separators, protocol names) are encoded here: cheaper
    // than a call into Buffer.write for a few bytes. Surrogates, and longer texts, go to Buffer.write.
    if (n > 24) {
      this.pos += this.buf.write(s, this.pos);
      return;
    }
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) b[p++] = c;
      else if (c < 0x800) {
        b[p++] = 0xc0 | (c >> 6);
        b[p++] = 0x80 | (c & 63);
      } else if (c < 0xd800 || c > 0xdfff) {
        b[p++] = 0xe0 | (c >> 12);
        b[p++] = 0x80 | ((c >> 6) & 63);
        b[p++] = 0x80 | (c & 63);
      } else {
        this.pos += b.write(s, this.pos);
        return;
      }
    }
    this.pos = p;
  }

  /** Text encoded once and written on many lines (separators, the capture name), four bytes per store. */
  word(w: Word): void {
    const view = this.view;
    const words = w.words;
    const p = this.pos;
    for (let i = 0; i < words.length; i++) view.setUint32(p + 4 * i, words[i], true);
    this.pos = p + w.length;
  }

  byte(c: number): void {
    this.buf[this.pos++] = c;
  }

  /** Three bytes, e.g. ' > ' (cheaper than a string for the separators of every line). */
  bytes3(a: number, b: number, c: number): void {
    const buf = this.buf;
    buf[this.pos] = a;
    buf[this.pos + 1] = b;
    buf[this.pos + 2] = c;
    this.pos += 3;
  }

  /** A whole number >= 0 in decimal, as String(n) writes it (at most 21 bytes). */
  uint(n: number): void {
    if (n >>> 0 !== n) return this.bigUint(n);
    if (n < 10000) return this.upTo4(n);
    if (n < 1e8) {
      const hi = (n / 10000) | 0;
      this.upTo4(hi);
      this.quad(n - hi * 10000);
      return;
    }
    // 9 or 10 digits: one or two, then eight (2^32 - 1 fits: its top part is 42).
    const hi = Math.floor(n / 1e8);
    this.upTo4(hi);
    this.eight(n - hi * 1e8);
  }

  /** 0..9999 without leading zeros. */
  private upTo4(v: number): void {
    const skip = v < 10 ? 3 : v < 100 ? 2 : v < 1000 ? 1 : 0;
    this.view.setUint32(this.pos, QUADS[v] >>> (skip << 3), true);
    this.pos += 4 - skip;
  }

  /** 0..9999 as four digits. */
  private quad(v: number): void {
    this.view.setUint32(this.pos, QUADS[v], true);
    this.pos += 4;
  }

  /** 0..99999999 as eight digits. */
  private eight(v: number): void {
    const hi = (v / 10000) | 0;
    this.view.setUint32(this.pos, QUADS[hi], true);
    this.view.setUint32(this.pos + 4, QUADS[v - hi * 10000], true);
    this.pos += 8;
  }

  private bigUint(n: number): void {
    if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER && Number.isInteger(n))) return this.ascii(String(n));
    let digits = 1;
    for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
    const b = this.buf;
    for (let i = this.pos + digits - 1; i >= this.pos; i--) {
      b[i] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    }
    this.pos += digits;
  }

  /** A whole number 0..999999999 in decimal, zero-padded to 9 digits. */
  nine(n: number): void {
    const v = n | 0;
    const first = (v / 1e8) | 0;
    this.buf[this.pos++] = 0x30 + first;
    this.eight(v - first * 1e8);
  }

  /** An IPv4 address given as an unsigned 32-bit number, dotted-decimal. */
  ipv4(n: number): void {
    const view = this.view;
    let p = this.pos;
    // Each of the first three octets is one store of its digits and dot; the last, of its digits
    // (the spare bytes after them are overwritten by the next part).
    let o = n >>> 24;
    view.setUint32(p, OCTET_DOT[o], true);
    p += OCTET_DOT_LEN[o];
    o = (n >>> 16) & 255;
    view.setUint32(p, OCTET_DOT[o], true);
    p += OCTET_DOT_LEN[o];
    o = (n >>> 8) & 255;
    view.setUint32(p, OCTET_DOT[o], true);
    p += OCTET_DOT_LEN[o];
    o = n & 255;
    view.setUint32(p, OCTET_DOT[o], true);
    this.pos = p + OCTET_DOT_LEN[o] - 1;
  }

  /** What was added since the last chunk (null when nothing); the batch starts a new buffer, since the writer may still hold this one. */
  take(): Buffer | null {
    if (this.pos === 0) return null;
    const chunk = this.buf.subarray(0, this.pos);
    this.setBuffer(Buffer.allocUnsafe(CHUNK));
    this.pos = 0;
    return chunk;
  }
}

function viewOf(b: Buffer): DataView {
  return new DataView(b.buffer, b.byteOffset, b.length);
}
