// Standard output of every command, in one place: writes wait for the pipe to drain instead of
// piling up in memory (a reader slower than the decoder, `| less`, a full pipe), a reader that goes
// away (`| head -1`: EPIPE) is a normal end, and any other write error is reported once and turns
// the exit code into 1.
//
// Producers that run inside a synchronous callback (the packet loop) call `push` and hand `drained`
// to the reader as its pause between chunks; others simply `await write(...)`.

export class Output {
  /** The reader went away (EPIPE): nothing more is written, and that is not an error. */
  private gone = false;
  private failure: Error | null = null;
  private waiting: Promise<void> | null = null;
  private readonly stopController = new AbortController();
  private readonly onError = (e: NodeJS.ErrnoException): void => {
    if (e.code === 'EPIPE') this.gone = true;
    else this.failure ??= e;
    this.stopController.abort();
  };

  constructor(private readonly stream: NodeJS.WriteStream | NodeJS.WritableStream = process.stdout) {
    stream.on('error', this.onError);
  }

  /** True once nothing more can be written: the reader went away or a write failed. */
  get ended(): boolean {
    return this.gone || this.failure !== null;
  }

  /** Aborted when output ends: pass it to readers so that they stop at once. */
  get signal(): AbortSignal {
    return this.stopController.signal;
  }

  /** Queues text. Returns a promise to wait on only when the stream's buffer is full. */
  push(text: string | Uint8Array | null): Promise<void> | undefined {
    if (this.ended || text === null || text.length === 0) return undefined;
    if (this.stream.write(text)) return undefined;
    return this.drained();
  }

  /** Writes text and resolves once the stream can take more. */
  async write(text: string | Uint8Array | null): Promise<void> {
    await this.push(text);
  }

  /** Resolves when the stream has drained (or output has ended); undefined when there is nothing to wait for. */
  drained(): Promise<void> | undefined {
    const s = this.stream as NodeJS.WriteStream;
    if (this.ended || !s.writableNeedDrain) return undefined;
    this.waiting ??= new Promise<void>((resolve) => {
      const done = (): void => {
        s.off('drain', done);
        s.off('close', done);
        s.off('error', done);
        this.waiting = null;
        resolve();
      };
      s.on('drain', done);
      s.on('close', done);
      s.on('error', done);
    });
    return this.waiting;
  }

  /**
   * Waits for what was written to be flushed and stops listening. Returns the command's exit code
   * given the one it had: 1 (with a message on stderr) when a write failed, else `code`.
   */
  async close(code: number, command: string): Promise<number> {
    if (!this.ended) {
      await new Promise<void>((resolve) => {
        const s = this.stream as NodeJS.WriteStream;
        s.once('error', () => resolve());
        s.write('', () => resolve());
      });
    }
    this.stream.off('error', this.onError);
    // Later write errors (a late EPIPE) must not become uncaught exceptions.
    this.stream.on('error', () => {});
    if (this.failure) {
      process.stderr.write(`tunnelvision ${command}: cannot write the output: ${this.failure.message}\n`);
      return 1;
    }
    return code;
  }
}

/**
 * Runs a command body with an Output on stdout: the body returns its exit code, and the output's
 * fate decides the rest (EPIPE keeps it, another write error makes it 1).
 */
export async function withOutput(command: string, body: (out: Output) => Promise<number>): Promise<number> {
  const out = new Output();
  let code: number;
  try {
    code = await body(out);
  } catch (e) {
    await out.close(1, command);
    throw e;
  }
  return out.close(code, command);
}
