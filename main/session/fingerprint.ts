// What identifies a capture's content: its size and SHA-256. A session checks them when it reopens so
// notes are never attached to the packets of a different file that took the old one's name.
import { createHash } from 'node:crypto';
import { openRegularFile } from '../engine/readers/source';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CaptureCheck, SessionCapture } from './types';

export interface Fingerprint {
  size: number;
  sha256: string;
}

export async function fingerprintFile(path: string, signal?: AbortSignal): Promise<Fingerprint> {
  const hash = createHash('sha256');
  let size = 0;
  const fh = await openRegularFile(path);
  // The signal is checked per chunk, not handed to the stream: a stream adds an abort listener, and a
  // set's captures are fingerprinted in parallel on one signal (past Node's limit of 10 listeners).
  for await (const chunk of fh.createReadStream({ highWaterMark: 1 << 20 })) {
    signal?.throwIfAborted();
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Compares one capture of a session with the file on disk (size first: a cheap answer when it differs). */
export async function checkCapture(c: SessionCapture, baseDir: string, signal?: AbortSignal): Promise<CaptureCheck> {
  const path = resolve(baseDir, c.path);
  const expected = { size: c.size, sha256: c.sha256 };
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) return { capture: c.id, path, state: 'missing', expected, message: `${c.path} is not a file any more` };
    size = st.size;
  } catch {
    return {
      capture: c.id,
      path,
      state: 'missing',
      expected,
      message: `${c.path} is missing: its annotations are kept but not attached to packets`,
    };
  }
  if (size !== c.size) {
    return {
      capture: c.id,
      path,
      state: 'changed',
      expected,
      actual: { size },
      message: `${c.path} changed on disk (${c.size} bytes when annotated, ${size} now): its packet annotations are kept but not attached to packets`,
    };
  }
  const fp = await fingerprintFile(path, signal);
  if (fp.sha256 !== c.sha256) {
    return {
      capture: c.id,
      path,
      state: 'changed',
      expected,
      actual: fp,
      message: `${c.path} changed on disk (same size, different content): its packet annotations are kept but not attached to packets`,
    };
  }
  return { capture: c.id, path, state: 'ok', expected, actual: fp, message: 'unchanged' };
}
