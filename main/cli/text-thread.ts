// `decode --format text` on two threads, for large files. The reading thread cuts the packets into
// batches of BATCH_PACKETS: while the formatting thread (decode-worker.ts) has fewer than QUEUED
// batches to do, the next batch is copied (packet-batch.ts) and posted to it; otherwise the reading
// thread decodes and formats the batch itself, straight from the reader's buffer, as on one thread.
// So the split follows what each thread gets done: on a machine whose second core is busy, the
// reading thread does nearly all of it. The text goes out in packet order: a batch's text waits for
// the batches before it, and the reading thread stops reading while HELD batches wait (memory stays
// bounded). Should the formatting thread fail (it runs the same code as the reading thread, so only
// a bug or an exhausted machine would do that), the text stops before the first batch it did not
// send back, and `error` says why.
import { Worker } from 'node:worker_threads';
import type { DecodeOptions } from '../engine/decode/types';
import type { RawPacket } from '../engine/types';
import { BATCH_PACKETS, PacketBatch, type BatchMessage } from './packet-batch';
import { TextFormatter } from './text-line';
import type { Output } from './output';

/** Batches posted to the formatting thread and not back yet: one in work, one waiting, so it never idles. */
const QUEUED = 2;
/** Batches whose text waits (posted, or formatted here behind a posted one) before reading pauses. */
const HELD = 6;

interface Held {
  id: number;
  /** The posted batch, kept until its text is back; null for a batch formatted here. */
  batch: PacketBatch | null;
  chunks: Uint8Array[];
  done: boolean;
}

export class TextThread {
  private readonly worker: Worker;
  private dead = false;
  /** Why the formatting thread failed, when it did (the output stopped before its first lost batch). */
  error: string | null = null;
  private readonly stopper = new AbortController();
  /** Aborted when the formatting thread failed: reading can stop. */
  readonly signal: AbortSignal = this.stopper.signal;
  private readonly free: PacketBatch[] = [];
  /** The batch being filled for the formatting thread, or null when this thread formats the current one. */
  private filling: PacketBatch | null = null;
  /** Packets left in the current batch (0: the next packet starts a new one). */
  private left = 0;
  /** Batches in packet order whose text is not written yet. */
  private readonly held: Held[] = [];
  private posted = 0;
  private nextId = 0;
  private wake: (() => void) | null = null;
  private readonly here: TextFormatter;

  constructor(
    workerUrl: URL,
    opts: DecodeOptions,
    private readonly out: Output,
  ) {
    this.here = new TextFormatter(opts);
    this.worker = new Worker(workerUrl, { workerData: { opts } });
    this.worker.on('message', (m: BatchMessage) => this.result(m));
    this.worker.on('error', (e) => this.failed(e.message));
    this.worker.on('exit', (code) => this.failed(`it exited with status ${code}`));
  }

  /** Takes one packet (in file order). */
  add(p: RawPacket, capture: string): void {
    if (this.error !== null) return;
    if (this.left === 0) this.start();
    const b = this.filling;
    if (b === null) {
      const full = this.here.packet(p, capture);
      if (full !== null) this.emit(full);
    } else if (!b.add(p, capture)) {
      // Its bytes do not fit beside the others': the batch goes as it is, the packet starts the next.
      this.post();
      this.left = 0;
      return this.add(p, capture);
    }
    if (--this.left === 0) {
      if (b === null) this.endHere();
      else this.post();
    }
  }

  /** The reading loop's pause between chunks: waits while too many batches wait for their text. */
  pause(): Promise<void> | undefined {
    return this.held.length >= HELD && !this.out.ended && this.error === null ? this.nextResult() : undefined;
  }

  /** Formats and writes everything taken so far (the end of a file). */
  async finish(): Promise<void> {
    if (this.left > 0) {
      if (this.filling !== null) this.post();
      else this.endHere();
      this.left = 0;
    }
    while (this.held.length > 0 && !this.out.ended && this.error === null) await this.nextResult();
  }

  close(): void {
    this.dead = true;
    void this.worker.terminate();
  }

  /** Starts a batch: for the formatting thread when it has room, else for this one. */
  private start(): void {
    this.left = BATCH_PACKETS;
    const id = this.nextId++;
    if (!this.dead && this.posted < QUEUED) {
      const b = this.free.pop() ?? new PacketBatch();
      b.reset(id);
      this.filling = b;
      return;
    }
    this.filling = null;
    // Its text must wait for the batches before it, if any still wait.
    if (this.held.length > 0) this.held.push({ id, batch: null, chunks: [], done: false });
  }

  private emit(chunk: Uint8Array): void {
    if (this.held.length === 0) void this.out.push(chunk);
    else this.held[this.held.length - 1].chunks.push(chunk);
  }

  /** Ends a batch formatted here. */
  private endHere(): void {
    const last = this.here.lines.take();
    if (last !== null) this.emit(last);
    const h = this.held.at(-1);
    if (h && h.batch === null && !h.done) {
      h.done = true;
      this.flush();
    }
  }

  private post(): void {
    const b = this.filling!;
    this.filling = null;
    if (b.count === 0) {
      this.free.push(b);
      return;
    }
    this.held.push({ id: b.id, batch: b, chunks: [], done: false });
    b.post(this.worker);
    this.posted++;
  }

  private result(m: BatchMessage): void {
    const h = this.held.find((x) => x.id === m.id);
    if (h && !h.done) {
      this.posted--;
      h.batch!.back(m);
      h.chunks = m.chunks ?? [];
      h.done = true;
      this.flush();
    }
    this.wakeUp();
  }

  /** Writes the text of the batches at the head of the order that have it. */
  private flush(): void {
    while (this.held.length > 0 && this.held[0].done) {
      const h = this.held.shift()!;
      for (const c of h.chunks) void this.out.push(c);
      if (h.batch !== null) this.free.push(h.batch);
    }
  }

  private failed(why: string): void {
    if (this.dead) return;
    this.dead = true;
    this.posted = 0;
    if (this.held.some((h) => h.batch !== null && !h.done)) {
      this.error = `the formatting thread stopped (${why})`;
      this.stopper.abort();
    }
    // Batches not posted yet are formatted here from now on.
    this.wakeUp();
  }

  private nextResult(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
    });
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}
