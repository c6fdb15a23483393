// Crash-safe file replacement: write a temporary file in the same folder, fsync it, rename it over the
// target, fsync the folder. A crash or power loss at any point leaves either the old file or the new
// one, never a mix; leftovers are temporary files that `removeStaleTemps` clears.
import { open, rename, unlink, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** Called after the temporary file is durable and before the rename (crash tests stop the process here). */
  beforeRename?: (tempPath: string) => void | Promise<void>;
  mode?: number;
}

let counter = 0;
const TEMP_SUFFIX = '.tmp';

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${++counter}${TEMP_SUFFIX}`);
}

async function fsyncDir(dir: string): Promise<void> {
  let h;
  try {
    h = await open(dir, 'r');
    await h.sync();
  } catch (e) {
    // Some platforms (Windows) and file systems cannot open or fsync a directory; the rename is still atomic there.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw e;
  } finally {
    await h?.close();
  }
}

const WHY: Record<string, (dir: string) => string> = {
  ENOENT: (dir) => `the folder ${dir} does not exist`,
  ENOTDIR: (dir) => `${dir} is not a folder`,
  EACCES: (dir) => `no permission to write in ${dir}`,
  EPERM: (dir) => `no permission to write in ${dir}`,
  EROFS: (dir) => `${dir} is on a read-only file system`,
  ENOSPC: () => 'the disk is full',
  EDQUOT: () => 'the disk quota is used up',
  EISDIR: () => 'it is a folder',
};

/**
 * The error to show when writing `path` failed: names the file the user asked for (never the temporary
 * file the write goes through) and why. Keeps the system error's `code` for callers that test it.
 */
export function writeError(path: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why = code && WHY[code] ? WHY[code](dirname(path)) : ((e as Error)?.message ?? String(e)).replace(/\S*\.tmp\b'?/g, path);
  return Object.assign(new Error(`cannot write ${path}: ${why}`), code ? { code } : {});
}

export async function atomicWriteFile(path: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const temp = tempPathFor(path);
  // keep the permissions of the file being replaced (a session may have been made private on purpose)
  const mode =
    opts.mode ??
    (await stat(path).then(
      (s) => s.mode & 0o777,
      () => 0o644,
    ));
  const h = await open(temp, 'wx', mode).catch((e: unknown) => {
    throw writeError(path, e);
  });
  try {
    try {
      await h.writeFile(data);
      await h.sync();
    } finally {
      await h.close();
    }
    await opts.beforeRename?.(temp);
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    // system errors (disk full, rename refused) name the temporary file: say which file and why instead
    throw (e as NodeJS.ErrnoException).code ? writeError(path, e) : e;
  }
  await fsyncDir(dirname(path));
}

/** Deletes temporary files a crashed save of `path` left behind. Returns how many. */
export async function removeStaleTemps(path: string): Promise<number> {
  const prefix = `.${basename(path)}.`;
  let n = 0;
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(TEMP_SUFFIX)) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (pid === process.pid || isAlive(pid)) continue;
    await unlink(join(dirname(path), name)).then(
      () => n++,
      () => undefined,
    );
  }
  return n;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
