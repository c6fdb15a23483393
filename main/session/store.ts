// SessionStore: the live session of an open capture set. Every change is saved automatically (debounced,
// one write at a time, each one atomic), and reopening checks that the captures are still the files the
// notes were written against.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { atomicWriteFile, removeStaleTemps, type AtomicWriteOptions } from './atomic';
import { checkCapture, fingerprintFile } from './fingerprint';
import { readCaptureComments } from './comments';
import { MAX_ANNOTATION_TEXT, MAX_TAG, SessionError, parseDecodeAs, parseSession, parseTarget } from './parse';
import {
  SESSION_FORMAT,
  SESSION_VERSION,
  SEVERITIES,
  type Annotation,
  type AnnotationPatch,
  type CaptureCheck,
  type DecodeAsEntry,
  type InterfaceAssignment,
  type NewAnnotation,
  type SessionCapture,
  type SessionData,
} from './types';

export interface SessionStoreOptions {
  /** Delay between a change and its automatic save, in ms (default 400). Negative: no autosave. */
  autosaveMs?: number;
  /** Where an autosave error goes (it is also kept in `lastError`). */
  onError?: (e: Error) => void;
  now?: () => Date;
  atomic?: AtomicWriteOptions;
  /** Hash the captures on open (default true). False: call verifyCaptures() later, e.g. after the window shows. */
  verify?: boolean;
}

export type SessionChange = 'annotations' | 'captures' | 'assignments' | 'decodeAs' | 'filter' | 'saved';

interface State {
  captures: SessionCapture[];
  assignments: InterfaceAssignment[];
  decodeAs: DecodeAsEntry[];
  filter: string;
  annotations: Annotation[];
  savedAt: string;
}

const emptyState = (): State => ({ captures: [], assignments: [], decodeAs: [], filter: '', annotations: [], savedAt: '' });

export class SessionStore {
  readonly file: string;
  readonly baseDir: string;
  private state: State;
  private readonly commentAnnotations = new Map<string, Annotation[]>();
  private checks = new Map<string, CaptureCheck>();
  private readonly listeners = new Set<(what: SessionChange) => void>();
  private gen = 0;
  private savedGen: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  lastError: Error | null = null;

  private constructor(
    file: string,
    state: State,
    private readonly opts: SessionStoreOptions,
  ) {
    this.file = resolve(file);
    this.baseDir = dirname(this.file);
    this.state = state;
    this.savedGen = 0;
  }

  /**
   * Opens a session file, or starts an empty session there when the file does not exist yet (nothing is
   * written until the first change). A file that cannot be read throws SessionError and is not touched.
   * The captures are checked against the disk (`captureChecks`).
   */
  static async open(file: string, opts: SessionStoreOptions = {}): Promise<SessionStore> {
    let text: string | null = null;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new SessionError('io', `cannot read ${file}: ${(e as Error).message}`);
    }
    await removeStaleTemps(resolve(file));
    if (text === null) return new SessionStore(file, emptyState(), opts);
    const d = parseSession(text, basename(file));
    const store = new SessionStore(
      file,
      {
        captures: [...d.captures],
        assignments: [...d.assignments],
        decodeAs: [...d.decodeAs],
        filter: d.filter,
        annotations: [...d.annotations],
        savedAt: d.savedAt,
      },
      opts,
    );
    if (opts.verify !== false) await store.verifyCaptures();
    return store;
  }

  /** A new session for these capture files, saved at once. */
  static async create(file: string, capturePaths: readonly string[], opts: SessionStoreOptions = {}): Promise<SessionStore> {
    const store = new SessionStore(file, emptyState(), opts);
    await store.setCaptures(capturePaths);
    await store.save();
    return store;
  }

  // ---- reading ----------------------------------------------------------------------------------------

  /** A snapshot of what the file holds (or will hold after the next save). */
  get data(): SessionData {
    const s = this.state;
    return {
      format: SESSION_FORMAT,
      version: SESSION_VERSION,
      savedAt: s.savedAt,
      captures: [...s.captures],
      assignments: [...s.assignments],
      decodeAs: [...s.decodeAs],
      filter: s.filter,
      annotations: [...s.annotations],
    };
  }

  get captures(): readonly SessionCapture[] {
    return this.state.captures;
  }

  /** Absolute path of a session capture. */
  capturePath(id: string): string | undefined {
    const c = this.state.captures.find((x) => x.id === id);
    return c && resolve(this.baseDir, c.path);
  }

  /** The session capture for a file path, if the set has it. */
  captureForPath(path: string): SessionCapture | undefined {
    const abs = resolve(path);
    return this.state.captures.find((c) => resolve(this.baseDir, c.path) === abs);
  }

  /** User annotations and the capture comments read from the files, in creation order. */
  get annotations(): readonly Annotation[] {
    const all = [...this.state.annotations];
    for (const list of this.commentAnnotations.values()) all.push(...list);
    return all;
  }

  get captureChecks(): readonly CaptureCheck[] {
    return [...this.checks.values()];
  }

  /** Captures that are missing or changed since they were annotated. */
  get captureProblems(): readonly CaptureCheck[] {
    return this.captureChecks.filter((c) => c.state !== 'ok');
  }

  /**
   * False for an annotation on a packet (or hop packet) of a capture that changed or went missing: the
   * note is kept and listed, but must not be shown on whatever packet now has that number.
   */
  isAttached(a: Annotation): boolean {
    const t = a.target;
    const capture = t.kind === 'packet' ? t.capture : t.kind === 'hop' ? t.capture : undefined;
    if (capture === undefined) return true;
    const check = this.checks.get(capture);
    return !check || check.state === 'ok';
  }

  /** When the file was last written ('' while it has never been). */
  get savedAt(): string {
    return this.state.savedAt;
  }

  get dirty(): boolean {
    return this.gen !== this.savedGen;
  }

  onChange(fn: (what: SessionChange) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  // ---- changing ---------------------------------------------------------------------------------------

  /**
   * Sets the capture set, fingerprinting each file (size + SHA-256). Captures already in the session
   * keep their id (annotations refer to it); a file whose content changed is re-fingerprinted only
   * through this call, which is the user saying "these are the files now".
   */
  async setCaptures(paths: readonly string[], signal?: AbortSignal): Promise<readonly SessionCapture[]> {
    const out: SessionCapture[] = [];
    const used = new Set<string>();
    for (const p of paths) {
      const abs = resolve(p);
      const fp = await fingerprintFile(abs, signal).catch((e: Error) => {
        if (signal?.aborted) throw e;
        throw new SessionError('io', `cannot read capture ${p}: ${e.message}`);
      });
      const old = this.captureForPath(abs);
      let id = old?.id ?? uniqueId(basename(abs), used, this.state.captures);
      if (used.has(id)) id = uniqueId(id, used, []);
      used.add(id);
      out.push({ id, path: this.storedPath(abs), ...fp });
    }
    this.state.captures = out;
    this.checks = new Map(
      out.map((c) => [
        c.id,
        {
          capture: c.id,
          path: resolve(this.baseDir, c.path),
          state: 'ok',
          expected: { size: c.size, sha256: c.sha256 },
          actual: { size: c.size, sha256: c.sha256 },
          message: 'unchanged',
        },
      ]),
    );
    this.changed('captures');
    return out;
  }

  /**
   * Gives a session that has no captures yet its capture set without marking it changed: an investigation
   * that has written nothing leaves no file behind, and the first real change saves the set with it.
   */
  async adoptCaptures(paths: readonly string[], signal?: AbortSignal): Promise<void> {
    if (this.state.captures.length) throw new SessionError('bad-value', 'this session already has its captures');
    const gen = this.gen;
    const saved = this.savedGen;
    await this.setCaptures(paths, signal);
    this.clearTimer();
    if (gen === saved) this.savedGen = this.gen;
  }

  /**
   * The session's captures that are not among `paths` (moved, or uploaded again into a new folder) are
   * found there by their content (size and SHA-256) and re-pointed; their notes attach again. Returns how many.
   */
  async relocate(paths: readonly string[], signal?: AbortSignal): Promise<number> {
    const open = new Set(paths.map((p) => resolve(p)));
    const away = this.state.captures.filter((c) => !open.has(resolve(this.baseDir, c.path)));
    if (!away.length) return 0;
    const known = new Set(this.state.captures.map((c) => resolve(this.baseDir, c.path)));
    const found = new Map<string, string>();
    for (const abs of open) {
      if (known.has(abs)) continue;
      if (signal?.aborted) break;
      const fp = await fingerprintFile(abs, signal).catch(() => null);
      if (fp) found.set(`${fp.size}:${fp.sha256}`, abs);
    }
    let moved = 0;
    this.state.captures = this.state.captures.map((c) => {
      const key = `${c.size}:${c.sha256}`;
      const abs = away.includes(c) ? found.get(key) : undefined;
      if (!abs) return c;
      found.delete(key);
      moved++;
      this.checks.set(c.id, {
        capture: c.id,
        path: abs,
        state: 'ok',
        expected: { size: c.size, sha256: c.sha256 },
        actual: { size: c.size, sha256: c.sha256 },
        message: 'unchanged',
      });
      return { ...c, path: this.storedPath(abs) };
    });
    if (moved) this.changed('captures');
    return moved;
  }

  /** Re-checks every capture against the disk. */
  async verifyCaptures(signal?: AbortSignal): Promise<readonly CaptureCheck[]> {
    const checks = await Promise.all(this.state.captures.map((c) => checkCapture(c, this.baseDir, signal)));
    this.checks = new Map(checks.map((c) => [c.capture, c]));
    return checks;
  }

  addAnnotation(n: NewAnnotation): Annotation {
    const target = parseTarget(n.target, 'annotation');
    const capture = target.kind === 'packet' ? target.capture : target.kind === 'hop' ? target.capture : undefined;
    if (capture !== undefined && !this.state.captures.some((c) => c.id === capture)) {
      throw new SessionError('bad-value', `annotation: capture ${JSON.stringify(capture)} is not in this session`);
    }
    const now = this.now();
    const a: Annotation = {
      id: randomUUID(),
      target,
      text: checkText(n.text),
      ...(n.tag ? { tag: checkTag(n.tag) } : {}),
      severity: checkSeverity(n.severity ?? 'info'),
      created: now,
      updated: now,
      source: 'user',
    };
    this.state.annotations = [...this.state.annotations, a];
    this.changed('annotations');
    return a;
  }

  updateAnnotation(id: string, patch: AnnotationPatch): Annotation {
    const i = this.state.annotations.findIndex((a) => a.id === id);
    if (i < 0) {
      const fromCapture = this.annotations.some((a) => a.id === id);
      throw new SessionError(
        'bad-value',
        fromCapture ? 'a comment stored in the capture file cannot be edited here' : `no annotation ${id}`,
      );
    }
    const old = this.state.annotations[i];
    const next: Annotation = {
      ...old,
      ...(patch.text !== undefined ? { text: checkText(patch.text) } : {}),
      ...(patch.severity !== undefined ? { severity: checkSeverity(patch.severity) } : {}),
      updated: this.now(),
    };
    const withTag: Annotation =
      patch.tag === undefined ? next : patch.tag === '' ? (({ tag: _t, ...rest }) => rest)(next) : { ...next, tag: checkTag(patch.tag) };
    this.state.annotations = this.state.annotations.map((a, j) => (j === i ? withTag : a));
    this.changed('annotations');
    return withTag;
  }

  removeAnnotation(id: string): boolean {
    if (!this.state.annotations.some((a) => a.id === id) && this.annotations.some((a) => a.id === id)) {
      throw new SessionError('bad-value', 'a comment stored in the capture file cannot be removed here');
    }
    const before = this.state.annotations.length;
    this.state.annotations = this.state.annotations.filter((a) => a.id !== id);
    if (this.state.annotations.length === before) return false;
    this.changed('annotations');
    return true;
  }

  /** Sets (or with node and interface both '' removes) the node/interface assignment of a capture or of one interface in it. */
  setAssignment(a: InterfaceAssignment): void {
    const same = (x: InterfaceAssignment) => x.capture === a.capture && x.iface === a.iface;
    const rest = this.state.assignments.filter((x) => !same(x));
    this.state.assignments = a.node === '' && a.interface === '' ? rest : [...rest, { ...a }];
    this.changed('assignments');
  }

  get assignments(): readonly InterfaceAssignment[] {
    return this.state.assignments;
  }

  setDecodeAs(entries: readonly DecodeAsEntry[]): void {
    this.state.decodeAs = entries.map((e, i) => parseDecodeAs(e, `decodeAs[${i}]`));
    this.changed('decodeAs');
  }

  get decodeAs(): readonly DecodeAsEntry[] {
    return this.state.decodeAs;
  }

  /** Remembers the display filter. A filter alone does not create a session file: it is written with the next change. */
  setFilter(filter: string): void {
    if (filter === this.state.filter) return;
    this.state.filter = String(filter);
    if (this.state.savedAt === '' && !this.dirty) this.emit('filter');
    else this.changed('filter');
  }

  get filter(): string {
    return this.state.filter;
  }

  /**
   * The pcapng packet comments of one capture, as read-only annotations with source 'capture-comment'.
   * They are not written to the session file (the capture holds them); ids are stable across reopen.
   */
  setCaptureComments(capture: string, comments: readonly { packet: number; text: string }[]): void {
    const created = this.now();
    const list: Annotation[] = comments.map((c, i) => ({
      id: `capture-comment:${capture}:${c.packet}:${i}`,
      target: { kind: 'packet', capture, packet: c.packet },
      text: c.text.length > MAX_ANNOTATION_TEXT ? c.text.slice(0, MAX_ANNOTATION_TEXT) : c.text,
      severity: 'info',
      created,
      updated: created,
      source: 'capture-comment',
    }));
    if (list.length) this.commentAnnotations.set(capture, list);
    else this.commentAnnotations.delete(capture);
    this.emit('annotations');
  }

  /** Reads the packet comments of every capture that is unchanged on disk (see setCaptureComments). */
  async loadCaptureComments(signal?: AbortSignal): Promise<number> {
    let n = 0;
    for (const c of this.state.captures) {
      const check = this.checks.get(c.id);
      if (check && check.state !== 'ok') continue;
      const { comments } = await readCaptureComments(resolve(this.baseDir, c.path), signal);
      this.setCaptureComments(c.id, comments);
      n += comments.length;
    }
    return n;
  }

  // ---- saving -----------------------------------------------------------------------------------------

  /** Writes the session now (atomically). Saves are queued: one write at a time, each of the latest state. */
  save(): Promise<void> {
    this.clearTimer();
    const run = this.chain.then(() => this.writeNow());
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Waits for a pending autosave (and runs it at once). */
  async flush(): Promise<void> {
    if (this.timer || this.dirty) await this.save();
    else await this.chain;
  }

  /** Saves what is pending and stops autosaving. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    this.listeners.clear();
  }

  private async writeNow(): Promise<void> {
    const gen = this.gen;
    if (gen === this.savedGen) return;
    const savedAt = this.now();
    const data: SessionData = { ...this.data, savedAt };
    await atomicWriteFile(this.file, JSON.stringify(data, null, 1) + '\n', this.opts.atomic);
    this.state.savedAt = savedAt;
    this.savedGen = gen;
    this.lastError = null;
    this.emit('saved');
  }

  /** How the file names a capture: relative to its own folder when it can, with forward slashes. */
  private storedPath(abs: string): string {
    const rel = relative(this.baseDir, abs);
    return isAbsolute(rel) ? abs : rel.split('\\').join('/');
  }

  private changed(what: SessionChange): void {
    if (this.closed) throw new SessionError('io', 'the session is closed');
    this.gen++;
    this.emit(what);
    const ms = this.opts.autosaveMs ?? 400;
    if (ms < 0) return;
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.save().catch((e: Error) => {
        this.lastError = e;
        this.opts.onError?.(e);
      });
    }, ms);
    this.timer.unref?.();
  }

  private emit(what: SessionChange): void {
    for (const l of this.listeners) {
      try {
        l(what);
      } catch {
        // a listener's failure is its own business
      }
    }
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private now(): string {
    return (this.opts.now?.() ?? new Date()).toISOString();
  }
}

function uniqueId(base: string, used: Set<string>, existing: readonly SessionCapture[]): string {
  const taken = (id: string) => used.has(id) || existing.some((c) => c.id === id);
  if (!taken(base)) return base;
  for (let n = 2; ; n++) if (!taken(`${base} (${n})`)) return `${base} (${n})`;
}

function checkText(t: unknown): string {
  if (typeof t !== 'string') throw new SessionError('bad-value', 'annotation text must be a string');
  if (t.length > MAX_ANNOTATION_TEXT)
    throw new SessionError('bad-value', `annotation text is longer than ${MAX_ANNOTATION_TEXT} characters`);
  return t;
}
function checkTag(t: unknown): string {
  if (typeof t !== 'string' || t.length > MAX_TAG)
    throw new SessionError('bad-value', `tag must be a string of at most ${MAX_TAG} characters`);
  return t;
}
function checkSeverity(s: unknown): Annotation['severity'] {
  if (!SEVERITIES.includes(s as Annotation['severity']))
    throw new SessionError('bad-value', `severity must be one of ${SEVERITIES.join(', ')}`);
  return s as Annotation['severity'];
}
