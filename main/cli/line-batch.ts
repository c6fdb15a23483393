// Command output gathered into byte chunks of about 64 KiB. Lines are encoded into the chunk as they
// are made, never joined into one string first: one non-Latin-1 character (the '→' of a TCP info
// line) makes V8 flatten a joined string as two-byte text and encode it on its slow path, which was
// a quarter of `decode --format text`. Hot writers can also build a line from parts (ASCII text,
// numbers, IPv4 addresses) straight into the chunk, making no string at all.
const CHUNK = 1 << 16;

/** 0..255 in decimal, four bytes each: the length, then the digits (padded with spaces). */
const OCTETS = new Uint8Array(256 * 4);
for (let v = 0; v < 256; v++) {
  const d = String(v).padEnd(3, ' ');
  OCTETS[v * 4] = String(v).length;
  for (let i = 0; i < 3; i++) OCTETS[v * 4 + 1 + i] = d.charCodeAt(i);
}

/** The ASCII digits of 00..99, two bytes each: numbers are written two digits per division. */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  PAIRS[2 * i] = 0x30 + ((i / 10) | 0);
  PAIRS[2 * i + 1] = 0x30 + (i % 10);
}

export class LineBatch {
  private buf = Buffer.allocUnsafe(CHUNK);
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
    if (this.pos + room <= this.buf.length) return null;
    const full = this.take();
    if (room > this.buf.length) this.buf = Buffer.allocUnsafe(room);
    return full;
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

  /** Bytes made once and written on many lines (the capture name). */
  raw(bytes: Uint8Array): void {
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < bytes.length; i++) b[p++] = bytes[i];
    this.pos = p;
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
    if (n > 0x7fffffff) {
      // 2^31..2^32-1 (sequence numbers): ten digits, the first one from comparisons, so that the
      // other nine are done in 32-bit integers like every smaller number.
      const first = n >= 4e9 ? 4 : n >= 3e9 ? 3 : 2;
      this.buf[this.pos++] = 0x30 + first;
      return this.nine((n - first * 1e9) | 0);
    }
    let v = n | 0;
    const digits =
      v < 10 ? 1 : v < 100 ? 2 : v < 1000 ? 3 : v < 1e4 ? 4 : v < 1e5 ? 5 : v < 1e6 ? 6 : v < 1e7 ? 7 : v < 1e8 ? 8 : v < 1e9 ? 9 : 10;
    const b = this.buf;
    let i = this.pos + digits;
    this.pos = i;
    // Two digits per division, from the end.
    while (v >= 100) {
      const q = (v / 100) | 0;
      const r = (v - q * 100) << 1;
      b[--i] = PAIRS[r + 1];
      b[--i] = PAIRS[r];
      v = q;
    }
    if (v >= 10) {
      b[i - 1] = PAIRS[(v << 1) + 1];
      b[i - 2] = PAIRS[v << 1];
    } else b[i - 1] = 0x30 + v;
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
    const b = this.buf;
    let v = n | 0;
    // Four pairs of digits from the end, then the first digit.
    for (let i = this.pos + 7; i > this.pos; i -= 2) {
      const q = (v / 100) | 0;
      const r = (v - q * 100) << 1;
      b[i + 1] = PAIRS[r + 1];
      b[i] = PAIRS[r];
      v = q;
    }
    b[this.pos] = 0x30 + v;
    this.pos += 9;
  }

  /** An IPv4 address given as an unsigned 32-bit number, dotted-decimal. */
  ipv4(n: number): void {
    const b = this.buf;
    let p = this.pos;
    // Each octet's entry is its length and three digit bytes: all three are stored and the position
    // moves by the length (the room given to begin covers the spare bytes, which the next part overwrites).
    for (let k = 0; k < 4; k++) {
      // Octet k's table entry: the octet times 4 (its top byte first).
      const o = k < 3 ? (n >>> (22 - 8 * k)) & 0x3fc : (n << 2) & 0x3fc;
      if (k > 0) b[p++] = 0x2e;
      b[p] = OCTETS[o + 1];
      b[p + 1] = OCTETS[o + 2];
      b[p + 2] = OCTETS[o + 3];
      p += OCTETS[o];
    }
    this.pos = p;
  }

  /** What was added since the last chunk (null when nothing); the batch starts a new buffer, since the writer may still hold this one. */
  take(): Buffer | null {
    if (this.pos === 0) return null;
    const chunk = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(CHUNK);
    this.pos = 0;
    return chunk;
  }
}
