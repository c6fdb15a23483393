// Results crossing the thread boundary: a CaptureIndex is mostly typed-array columns, so their
// buffers are transferred (moved, not copied), and the structured clone that arrives is given its
// classes back (CaptureIndex, Ipv6Table: plain fields, so restoring the prototypes is enough).

import { CaptureIndex, Ipv6Table } from '../index/index';
import type { TaskName } from './protocol';

/** The ArrayBuffers of every typed-array field of the index (and of its IPv6 table). */
export function transferList(index: CaptureIndex): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const collect = (o: object): void => {
    for (const v of Object.values(o)) {
      if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer && v.byteLength === v.buffer.byteLength) out.add(v.buffer);
    }
  };
  collect(index);
  collect(index.ipv6);
  return [...out];
}

export function revive(task: TaskName, result: unknown): unknown {
  if (task !== 'index' || result === null || typeof result !== 'object') return result;
  const index = Object.setPrototypeOf(result, CaptureIndex.prototype) as CaptureIndex;
  Object.setPrototypeOf(index.ipv6, Ipv6Table.prototype);
  return index;
}
