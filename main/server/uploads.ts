// Captures uploaded in browser mode: each request body is streamed to its own file on disk as it
// arrives (never held in memory, never base64), up to a size limit, and named by a random id the
// UI then passes to openCaptureFiles. A body that breaks off, stalls or grows past the limit leaves
// nothing behind.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { UploadReceipt } from '../../common/contract';

/** An error with the HTTP status it answers to. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The file name an upload is stored under: the last path element, control characters and separators replaced, 200 characters at most. */
export function uploadName(raw: string): string {
  const name = basename(raw.replace(/\\/g, '/'))
    .replace(/[\u0000-\u001f\u007f/\\]/g, '_')
    .slice(0, 200);
  return name === '' || name === '.' || name === '..' ? 'capture' : name;
}

export const formatLimit = (bytes: number): string =>
  bytes >= 2 ** 30 && bytes % 2 ** 30 === 0
    ? `${bytes / 2 ** 30} GiB`
    : bytes >= 2 ** 20 && bytes % 2 ** 20 === 0
      ? `${bytes / 2 ** 20} MiB`
      : `${bytes} bytes`;

export class Uploads {
  private readonly files = new Map<string, { path: string; name: string }>();

  constructor(
    /** Folder of the uploads (created on demand). */
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  /**
   * Streams `body` into a new file. Rejects with HttpError 413 past `maxBytes`, 408 when no byte
   * comes for `idleMs`, 400 when the body breaks off; the partial file is removed.
   */
  async receive(body: Readable, rawName: string, idleMs = 30_000): Promise<UploadReceipt> {
    const name = uploadName(rawName);
    const upload = randomBytes(16).toString('hex');
    const folder = join(this.dir, upload);
    const path = join(folder, name);
    mkdirSync(folder, { recursive: true });
    let bytes = 0;
    let idle: NodeJS.Timeout | null = null;
    let stalled!: (e: HttpError) => void;
    const stall = new Promise<never>((_resolve, reject) => (stalled = reject));
    stall.catch(() => undefined);
    const arm = () => {
      if (idle) clearTimeout(idle);
      idle = setTimeout(() => {
        const e = new HttpError(408, `${name}: no data for ${idleMs / 1000} s, upload abandoned`);
        body.destroy(e);
        stalled(e);
      }, idleMs);
    };
    const max = this.maxBytes;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        arm();
        bytes += chunk.length;
        if (bytes > max) done(new HttpError(413, `${name}: larger than the upload limit of ${formatLimit(max)}`));
        else done(null, chunk);
      },
    });
    arm();
    try {
      await Promise.race([pipeline(body, count, createWriteStream(path, { flags: 'wx' })), stall]);
    } catch (e) {
      rmSync(folder, { recursive: true, force: true });
      if (e instanceof HttpError) throw e;
      throw new HttpError(400, `${name}: the upload broke off after ${bytes} bytes`);
    } finally {
      if (idle) clearTimeout(idle);
    }
    this.files.set(upload, { path, name });
    return { upload, name, bytes };
  }

  /** The file of an upload id, or null. */
  get(id: string): { path: string; name: string } | null {
    return this.files.get(id) ?? null;
  }
}
