// Where the bytes come from: a file read in large positioned reads, a buffer in memory (tests, fuzzing),
// or either of those through gunzip. Readers never see the difference.

import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

export interface ByteSource {
  /** Reads up to `len` bytes into buf[off..]; fewer only at the end of input; 0 = end. */
  read(buf: Uint8Array, off: number, len: number): Promise<number>;
  /** Announces the next read (same arguments): a source may start it now, into `buf`. */
  prefetch?(buf: Uint8Array, off: number, len: number): void;
  /** Skips `n` bytes of input unread (no buffering); returns how many there were (fewer at the end). */
  skip(n: number): Promise<number>;
  /** The first bytes of the raw input, without consuming them (format detection). */
  peek(n: number): Promise<Uint8Array>;
  /** Raw input bytes consumed so far (compressed bytes for gzip): progress. */
  readonly bytesRead: number;
  /** Raw input size (on disk). */
  readonly bytesTotal: number;
  close(): Promise<void>;
}

/** What a path that is not a regular file is, in words. */
function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isDirectory()) return 'a folder';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

/**
 * Opens a regular file for reading, and nothing else: named pipes, devices, sockets and folders are
 * refused with an error that says what they are. Opened without blocking (a FIFO with no writer would
 * otherwise wait forever) and checked on the open descriptor, so nothing can be swapped in between.
 */
export async function openRegularFile(path: string): Promise<FileHandle> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`not a regular file: it is ${kindOf(st)}`);
    return fh;
  } catch (e) {
    await fh.close();
    throw e;
  }
}

/**
 * A regular file read at chosen offsets with synchronous reads on the calling thread: for the few
 * records a user looks at (a page of the list, one packet in full). Node's asynchronous file calls
 * each go through its small file thread pool and back through the event loop, so a page of 50 records
 * spread over 8 files (about 130 calls one after the other) waited for a pool thread and the event
 * loop 130 times: 0.3 to 3.4 s on a machine shared far beyond its cores, behind the reads of a big
 * set being read and the work of the thread between each call. Read here, from the page cache, they
 * take well under a millisecond. Opened and checked as openRegularFile does.
 */
export class PositionedFile {
  private constructor(private fd: number) {}

  static open(path: string): PositionedFile {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new Error(`not a regular file: it is ${kindOf(st)}`);
      return new PositionedFile(fd);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /** Reads up to `len` bytes at `position` into buf[0..]; fewer only at the end of the file. */
  readAt(buf: Uint8Array, len: number, position: number): number {
    let got = 0;
    while (got < len) {
      const n = readSync(this.fd, buf, got, len - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return got;
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }
}

export class FileSource implements ByteSource {
  private pos = 0;
  /** The read announced by prefetch, running in the thread pool into the caller's buffer. */
  private ahead: { buf: Uint8Array; off: number; len: number; pos: number; done: Promise<number> } | null = null;
  private constructor(
    private readonly fh: FileHandle,
    readonly bytesTotal: number,
  ) {}

  static async open(path: string): Promise<FileSource> {
    const fh = await openRegularFile(path);
    return new FileSource(fh, (await fh.stat()).size);
  }

  get bytesRead(): number {
    return Math.min(this.pos, this.bytesTotal);
  }

  /**
   * Starts the caller's next read now, straight into its buffer (it leaves those bytes alone until
   * it reads): the thread pool reads while the caller works on what it got. Without it the reading
   * loop waited for every read, about a third of `decode --format text` on a shared machine, where
   * the pool's thread must first be given a core; read ahead into a buffer of the source's own, each
   * chunk was then copied once more (20–25 ms of the 300k-packet text decode's 0.5 s).
   */
  prefetch(buf: Uint8Array, off: number, len: number): void {
    if (this.ahead || len <= 0 || this.pos >= this.bytesTotal) return;
    const done = this.fh.read(buf, off, len, this.pos).then((r) => r.bytesRead);
    done.catch(() => {}); // its failure is the next read's, or nobody's when the reading stops here
    this.ahead = { buf, off, len, pos: this.pos, done };
  }

  async read(buf: Uint8Array, off: number, len: number): Promise<number> {
    let got = 0;
    const a = this.ahead;
    if (a) {
      this.ahead = null;
      if (a.buf === buf && a.off === off && a.len === len && a.pos === this.pos) {
        got = await a.done; // a failed read-ahead fails this read, as the read itself would have
        if (got === 0) return 0;
        this.pos += got;
      } else await a.done.catch(() => 0); // not the read announced: it must end before the buffer is reused
    }
    while (got < len) {
      const { bytesRead } = await this.fh.read(buf, off + got, len - got, this.pos);
      if (bytesRead === 0) break;
      got += bytesRead;
      this.pos += bytesRead;
    }
    return got;
  }

  /** Positioned read that leaves the sequential position alone (random access). */
  async readAt(buf: Uint8Array, len: number, position: number): Promise<number> {
    let got = 0;
    while (got < len) {
      const { bytesRead } = await this.fh.read(buf, got, len - got, position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got;
  }

  async skip(n: number): Promise<number> {
    const k = Math.max(0, Math.min(n, this.bytesTotal - this.pos));
    this.pos += k;
    return k;
  }

  async peek(n: number): Promise<Uint8Array> {
    const b = new Uint8Array(n);
    const got = await this.readAt(b, n, 0);
    return b.subarray(0, got);
  }

  async close(): Promise<void> {
    // A read still running must end before its descriptor is closed (the number could be reused).
    await this.ahead?.done.catch(() => 0);
    this.ahead = null;
    return this.fh.close();
  }
}

export class BufferSource implements ByteSource {
  private pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get bytesRead(): number {
    return Math.min(this.pos, this.bytes.length);
  }
  get bytesTotal(): number {
    return this.bytes.length;
  }

  async read(buf: Uint8Array, off: number, len: number): Promise<number> {
    const n = Math.max(0, Math.min(len, this.bytes.length - this.pos));
    buf.set(this.bytes.subarray(this.pos, this.pos + n), off);
    this.pos += n;
    return n;
  }

  async skip(n: number): Promise<number> {
    const k = Math.max(0, Math.min(n, this.bytes.length - this.pos));
    this.pos += k;
    return k;
  }

  async peek(n: number): Promise<Uint8Array> {
    return this.bytes.subarray(0, n);
  }

  async close(): Promise<void> {}
}

const RAW_CHUNK = 1 << 20;

/**
 * gunzip over another source (file or buffer); concatenated gzip members are read as one stream, and
 * zero bytes after the last member are padding. Each member is inflated on its own (`gunzipMembers`)
 * rather than by zlib's gunzip stream: that one fails on bytes after the last member that are no
 * gzip member, and throws away with the error what it had decompressed in the same step (up to a
 * whole file's packets, for a small file with a few bytes appended).
 */
export class GzipSource implements ByteSource {
  private readonly it: AsyncIterator<Buffer>;
  private pending: Buffer | null = null;
  private pendingPos = 0;
  private done = false;
  private failure: Error | null = null;

  constructor(private readonly raw: ByteSource) {
    const rawChunks = async function* (): AsyncGenerator<Buffer> {
      let b = Buffer.allocUnsafe(RAW_CHUNK);
      for (;;) {
        const n = await raw.read(b, 0, RAW_CHUNK);
        if (n === 0) return;
        // The next chunk is read while gunzip works on this one (each chunk keeps its own buffer).
        const next = Buffer.allocUnsafe(RAW_CHUNK);
        raw.prefetch?.(next, 0, RAW_CHUNK);
        yield b.subarray(0, n);
        b = next;
      }
    };
    this.it = gunzipMembers(rawChunks());
  }

  get bytesRead(): number {
    return this.raw.bytesRead;
  }
  get bytesTotal(): number {
    return this.raw.bytesTotal;
  }

  private async next(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.it.next();
    if (r.done) {
      this.done = true;
      return false;
    }
    this.pending = r.value;
    this.pendingPos = 0;
    return true;
  }

  async read(buf: Uint8Array, off: number, len: number): Promise<number> {
    if (this.failure) throw this.failure;
    let got = 0;
    while (got < len) {
      if (!this.pending || this.pendingPos >= this.pending.length) {
        try {
          if (!(await this.next())) break;
        } catch (e) {
          // Hand out what was decompressed before the fault first; fail on the next read.
          if (got === 0) throw e;
          this.failure = e as Error;
          break;
        }
        continue;
      }
      const n = Math.min(len - got, this.pending.length - this.pendingPos);
      buf.set(this.pending.subarray(this.pendingPos, this.pendingPos + n), off + got);
      this.pendingPos += n;
      got += n;
    }
    return got;
  }

  async skip(n: number): Promise<number> {
    let done = 0;
    while (done < n) {
      if (!this.pending || this.pendingPos >= this.pending.length) {
        if (!(await this.next())) break;
        continue;
      }
      const k = Math.min(n - done, this.pending.length - this.pendingPos);
      this.pendingPos += k;
      done += k;
    }
    return done;
  }

  peek(n: number): Promise<Uint8Array> {
    return this.raw.peek(n);
  }

  async close(): Promise<void> {
    await this.it.return?.();
    await this.raw.close();
  }
}

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

const GZIP_FEXTRA = 4;
const GZIP_FNAME = 8;
const GZIP_FCOMMENT = 16;
const GZIP_FHCRC = 2;

/**
 * The decompressed bytes of the gzip members in `raw`, one after the other. Each member's header is
 * parsed here and its deflate data inflated raw: the inflater stops at the end of the deflate data
 * and says how many bytes it took (`bytesWritten`), so the 8-byte trailer (CRC-32 and length, both
 * checked) and what follows it are found exactly. After the last member, zero bytes are padding and
 * anything else is an error that names its compressed offset, raised once every byte before it was
 * handed out.
 */
async function* gunzipMembers(raw: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  // zlib is loaded here, for gzip files only: loading it costs a few ms of every command-line start.
  const { createInflateRaw, crc32 } = process.getBuiltinModule('node:zlib');
  /** Raw bytes read and not used yet; `at` is the compressed offset of buf[0]. */
  let buf: Buffer = Buffer.alloc(0);
  let at = 0;
  let rawDone = false;
  const more = async (): Promise<boolean> => {
    if (rawDone) return false;
    const r = await raw.next();
    if (r.done) {
      rawDone = true;
      return false;
    }
    buf = buf.length ? Buffer.concat([buf, r.value]) : r.value;
    return true;
  };
  const need = async (n: number, what: string): Promise<void> => {
    while (buf.length < n) if (!(await more())) throw new Error(`unexpected end of file inside ${what}`);
  };
  const take = (n: number): void => {
    buf = buf.subarray(n);
    at += n;
  };
  try {
    for (let member = 0; ; member++) {
      if (member > 0) {
        // After a member: the end, zero padding, another member, or bytes that are none of these.
        for (;;) {
          if (buf.length === 0 && !(await more())) return;
          const nz = buf.findIndex((x) => x !== 0);
          if (nz < 0) {
            take(buf.length);
            continue;
          }
          take(nz);
          break;
        }
        if (buf.length < 2) await more();
        if (buf.length < 2 || buf[0] !== 0x1f || buf[1] !== 0x8b)
          throw new Error(`the bytes from compressed byte ${at} on follow the gzip data and are no gzip member`);
      }
      // Header: ID1 ID2 CM FLG MTIME(4) XFL OS, then the optional fields FLG names.
      await need(10, 'a gzip member header');
      if (buf[0] !== 0x1f || buf[1] !== 0x8b) throw new Error('incorrect header check');
      if (buf[2] !== 8) throw new Error('unknown compression method');
      const flags = buf[3];
      let h = 10;
      if (flags & GZIP_FEXTRA) {
        await need(h + 2, 'a gzip member header');
        h += 2 + buf.readUInt16LE(h);
      }
      for (const f of [GZIP_FNAME, GZIP_FCOMMENT]) {
        if (!(flags & f)) continue;
        for (;;) {
          const z = buf.indexOf(0, h);
          if (z >= 0) {
            h = z + 1;
            break;
          }
          if (!(await more())) throw new Error('unexpected end of file inside a gzip member header');
        }
      }
      if (flags & GZIP_FHCRC) h += 2;
      await need(h, 'a gzip member header');
      take(h);
      // Deflate data: fed chunk by chunk while the output is read; `fed` keeps the chunks written
      // whose bytes the inflater may not have taken yet (what follows the deflate data is among them).
      const inf = createInflateRaw({ chunkSize: RAW_CHUNK });
      const fed: Buffer[] = [];
      let fedStart = at; // compressed offset of fed[0]
      let stop = false;
      const feed = (chunk: Buffer): boolean => {
        fed.push(chunk);
        while (fed.length > 1 && fedStart + fed[0].length <= at + inf.bytesWritten) fedStart += fed.shift()!.length;
        return inf.write(chunk);
      };
      const feeder = (async () => {
        try {
          let first: Buffer | null = buf;
          buf = Buffer.alloc(0);
          while (!stop) {
            let chunk = first;
            first = null;
            if (!chunk?.length) {
              const r = await raw.next();
              if (r.done) {
                rawDone = true;
                break;
              }
              chunk = r.value;
              if (stop) {
                fed.push(chunk); // read after the deflate data ended: part of what follows it
                break;
              }
            }
            if (!feed(chunk) && !stop)
              await new Promise<void>((res) => {
                const go = (): void => {
                  inf.off('drain', go).off('close', go);
                  res();
                };
                inf.on('drain', go).on('close', go);
              });
          }
          if (!stop) inf.end();
        } catch (e) {
          inf.destroy(e as Error);
        }
      })();
      let crc = 0;
      let size = 0;
      try {
        for await (const out of inf as AsyncIterable<Buffer>) {
          crc = crc32(out, crc);
          size += out.length;
          yield out;
        }
      } finally {
        stop = true;
        inf.destroy();
        await feeder;
      }
      // What the inflater did not take: the trailer and whatever follows it.
      const used = at + inf.bytesWritten - fedStart;
      const rest = Buffer.concat(fed);
      buf = rest.subarray(used);
      at += inf.bytesWritten;
      await need(8, 'a gzip member trailer');
      if (buf.readUInt32LE(0) !== crc >>> 0) throw new Error('incorrect data check');
      if (buf.readUInt32LE(4) !== size % 2 ** 32) throw new Error('incorrect length check');
      take(8);
    }
  } finally {
    await raw.return(undefined);
  }
}
