// pcapng packet comments already in a capture (opt_comment, e.g. written by Wireshark or by an earlier
// Tunnelvision export) become read-only annotations with source 'capture-comment'.
import { readCapture } from '../engine/readers/read';
import type { ReadError } from '../engine/types';

export interface CaptureComment {
  /** 0-based packet number in the file. */
  packet: number;
  text: string;
}

/** Every packet comment of a capture file, in file order. Read problems come back as values. */
export async function readCaptureComments(
  path: string,
  signal?: AbortSignal,
): Promise<{ comments: CaptureComment[]; errors: readonly ReadError[] }> {
  const comments: CaptureComment[] = [];
  const info = await readCapture(
    path,
    {
      onPacket(p) {
        if (p.comments) for (const text of p.comments) comments.push({ packet: p.index, text });
      },
    },
    { signal },
  );
  return { comments, errors: info.errors };
}
