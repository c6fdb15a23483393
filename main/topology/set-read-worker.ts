// A reading thread of a capture set (set-read-pool.ts): reads the files it is given, one at a time,
// each into a packet table of its own through the same CaptureSetReader.readFile as a one-thread
// read, and hands the table's columns back (transferred, not copied) with the file's capture points,
// its read result and the packets that may carry BGP. The set's budget is shared with the other
// threads; an `abort` message cancels the file being read.
import { parentPort, workerData } from 'node:worker_threads';
import { SharedReadBudget } from '../engine/readers/shared-budget';
import { CaptureSetReader } from './set-reader';
import type { PoolJob, PoolSetup, PoolReply } from './set-read-pool';

const setup = workerData as PoolSetup;
const port = parentPort!;
const controller = new AbortController();
const budget = new SharedReadBudget(setup.limits, setup.budget);

async function read(job: PoolJob): Promise<void> {
  const reader = new CaptureSetReader(setup.ids, {
    decodeAs: setup.decodeAs,
    signal: controller.signal,
    budget,
    pcapReader: setup.pcapReader,
    keepBgpPackets: true,
    records: setup.records,
  });
  let info;
  try {
    info = await reader.readFile(
      job.path,
      { onProgress: (pr) => port.postMessage({ type: 'progress', fi: job.fi, pr } satisfies PoolReply) },
      job.fi,
    );
  } finally {
    budget.release();
  }
  const part = reader.table.part();
  const records = reader.records?.part() ?? null;
  const reply: PoolReply = {
    type: 'done',
    fi: job.fi,
    info,
    file: reader.files[0],
    points: reader.points,
    part,
    bgp: reader.bgpPackets ?? [],
    records,
    exceeded: budget.exceeded,
    code: budget.code,
  };
  port.postMessage(reply, [
    ...Object.values(part.columns).map((c) => c.buffer as ArrayBuffer),
    ...(records ? [records.fileOffset, records.capLen, records.protoId].map((c) => c.buffer as ArrayBuffer) : []),
  ]);
}

port.on('message', (m: { type: 'abort' } | ({ type: 'read' } & PoolJob)) => {
  if (m.type === 'abort') controller.abort();
  else
    read(m).catch((e: unknown) =>
      port.postMessage({ type: 'failed', fi: m.fi, message: (e as Error)?.message ?? String(e) } satisfies PoolReply),
    );
});
