// Command output gathered into byte chunks of about 64 KiB, each line UTF-8 encoded once as it is
// added. Far cheaper than joining the lines into one string and encoding that when writing: one
// non-Latin-1 character (the '→' of a TCP info line) makes V8 flatten the whole joined string as
// two-byte text and encode it on its slow path, which was a quarter of `decode --format text`.
const CHUNK = 1 << 16;

export class LineBatch {
  private buf = Buffer.allocUnsafe(CHUNK);
  private pos = 0;

  /** Adds `line` and a newline; returns the chunk filled so far when it had no room left for it, to be written. */
  add(line: string): Buffer | null {
    const room = line.length * 3 + 1; // UTF-8 needs at most 3 bytes per UTF-16 unit
    let full: Buffer | null = null;
    if (this.pos + room > this.buf.length) {
      full = this.take();
      if (room > this.buf.length) this.buf = Buffer.allocUnsafe(room);
    }
    this.pos += this.buf.write(line, this.pos);
    this.buf[this.pos++] = 0x0a;
    return full;
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
