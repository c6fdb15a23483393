// Where the bytes come from: a file read in large positioned reads, a buffer in memory (tests, fuzzing),
// or either of those through gunzip. Readers never see the difference.

import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';

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

/** gunzip over another source (file or buffer); concatenated gzip members are read as one stream. */
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
    // zlib is loaded here, for gzip files only: loading it costs a few ms of every command-line start.
    const { createGunzip } = process.getBuiltinModule('node:zlib');
    const gunzip = Readable.from(rawChunks(), { objectMode: false }).pipe(createGunzip({ chunkSize: RAW_CHUNK }));
    this.it = gunzip[Symbol.asyncIterator]();
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
