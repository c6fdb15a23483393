// Which files browser mode may open by path: whoever holds the token must not be able to read any
// file the server's user can. Allowed are exactly the files given when it started, everything
// under the folders given then (a folder given as a capture set, or `--allow-dir`), and uploads.
// Paths are compared after resolving symbolic links, so a link cannot lead out of an allowed folder.
import { realpathSync } from 'node:fs';
import { resolve, sep } from 'node:path';

/** The real path of `p` when it exists, else its absolute form. */
function real(p: string): string {
  try {
    return realpathSync(resolve(p));
  } catch {
    return resolve(p);
  }
}

const inside = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

export class FileAccess {
  private readonly files: Set<string>;
  private readonly dirs: string[];

  constructor(opts: { files?: readonly string[]; dirs?: readonly string[] }) {
    this.files = new Set((opts.files ?? []).map(real));
    this.dirs = (opts.dirs ?? []).map(real);
  }

  /** Null when `path` may be opened, else why not (the same answer whether or not it exists). */
  refusal(path: string): string | null {
    const p = real(path);
    if (this.files.has(p) || this.dirs.some((d) => inside(p, d))) return null;
    return `${path}: not allowed: browser mode opens only the files and folders given when it started, files under --allow-dir folders, and uploads`;
  }
}
