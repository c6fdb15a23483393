// The open set's notes: the session file (main/session) seen in the UI's terms. The session names
// packets by capture file and 0-based index in it, and hops by journey; the UI names them by their
// number in the packet list. This module translates both ways, finds the session file of a set (or
// where it will go), and knows which packets carry notes so the list can mark them.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import type { NoteInput, NoteSeverity, NoteTarget, NoteView, SessionView } from '../../common/contract';
import { SessionStore, sessionPathFor, type Annotation, type AnnotationTarget, type CaptureComment } from '../session';
import { annotationComment } from '../report/annotated-pcapng';

/** A packet as the session names it: its capture file (absolute path) and 0-based index in that file. */
export interface NotePacket {
  readonly path: string;
  readonly index: number;
}

/**
 * What the notes need to know of the open set: the backend's packet store and analysis for a capture
 * set, DuckDB queries for a dataset (main/dataset/notes-host.ts). Packets are named by their number
 * in the list; the answers may take a query, hence promises.
 */
export interface NotesHost {
  /** The list number of packet `index` (0-based) of the file at `path`, 0 when it is not in the open set. */
  noOf(path: string, index: number): Promise<number>;
  /** The file and index of the packet numbered `no`, null when there is none. */
  packetOf(no: number): Promise<NotePacket | null>;
  /** "node1 / eth0" of the packet numbered `no`. */
  placeOf(no: number): Promise<string>;
  /** The journey the packet numbered `no` is on (its flow, journey id and hop index), null before the analysis or without one. */
  journeyOf(no: number): Promise<{ flow: string; journey: string; hop: number } | null>;
  flowLabel(flow: string): string | null;
  /** The graph element a note's element id names (older id spellings mapped onto today's) and its label, null when none. */
  element(element: string): { id: string; label: string } | null;
}

const RANK: Record<NoteSeverity, number> = { info: 1, warning: 2, problem: 3 };

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The session file of a capture set: beside the captures when their folder is writable and they
 * were not uploaded (browser mode keeps uploads in a temporary folder), else in `sessionDir`.
 */
export function sessionFileFor(paths: readonly string[], sessionDir: string, uploaded: boolean): string {
  if (!uploaded && writable(dirname(paths[0]))) return sessionPathFor(paths);
  mkdirSync(sessionDir, { recursive: true });
  return sessionPathFor(
    paths,
    sessionDir,
    paths.map((p) => statSync(p, { throwIfNoEntry: false })?.size ?? 0),
  );
}

/** The session file of a Parquet dataset's notes. */
export const DATASET_SESSION = 'notes.tvsession';

/**
 * The session file of a dataset: in the dataset's folder when it is writable (it moves with the
 * dataset, and a re-export into the folder keeps it), else in `sessionDir`, named after the folder's path.
 */
export function sessionFileForDataset(dir: string, sessionDir: string): string {
  const abs = resolve(dir);
  if (writable(abs)) return join(abs, DATASET_SESSION);
  mkdirSync(sessionDir, { recursive: true });
  return join(sessionDir, `dataset-${createHash('sha256').update(abs).digest('hex').slice(0, 12)}.tvsession`);
}

export class Notes {
  /** The user's notes per packet (`path\n index`), rebuilt when the notes change. */
  private onPackets: Map<string, Annotation[]> | null = null;
  private error: string | null = null;
  /** True once the session's captures were checked against the open files (`attach`): before, no packet note is shown or taken. */
  private attached = false;

  private constructor(
    readonly store: SessionStore,
    private readonly host: NotesHost,
  ) {
    store.onChange((what) => {
      if (what === 'annotations' || what === 'captures') this.onPackets = null;
    });
  }

  /**
   * Opens the session of a set without touching the captures yet (its assignments are needed before
   * the analysis); `attach` then checks the files and reads their packet comments.
   */
  static async open(file: string, host: NotesHost): Promise<Notes> {
    let notes: Notes | null = null;
    const store = await SessionStore.open(file, {
      verify: false,
      onError: (e) => {
        if (notes) notes.error = `The notes could not be saved to ${file}: ${e.message}`;
      },
    });
    notes = new Notes(store, host);
    return notes;
  }

  /**
   * Binds the session to the files now open: a new session takes them as its captures (written with
   * the first note), an existing one checks that they are the files it annotated, finds moved ones by
   * content, and says which changed. Then the pcapng packet comments met while reading become read-only notes.
   */
  async attach(paths: readonly { path: string; comments: readonly CaptureComment[] }[], signal: AbortSignal): Promise<void> {
    const s = this.store;
    if (!s.captures.length)
      await s.adoptCaptures(
        paths.map((p) => p.path),
        signal,
      );
    else {
      await s.verifyCaptures(signal);
      await s.relocate(
        paths.map((p) => p.path),
        signal,
      );
    }
    if (signal.aborted) return;
    this.attached = true;
    this.onPackets = null;
    for (const p of paths) {
      const c = p.comments.length ? s.captureForPath(p.path) : undefined;
      if (c && this.unchanged(c.id)) s.setCaptureComments(c.id, p.comments);
    }
  }

  view(): SessionView {
    const s = this.store;
    return {
      file: s.file,
      saved: s.savedAt !== '',
      notes: s.annotations.length,
      problems: s.captureProblems.map((c) => c.message),
      error: this.error,
      filter: s.filter,
    };
  }

  list(): Promise<NoteView[]> {
    return Promise.all(this.store.annotations.map((a) => this.toView(a)));
  }

  async add(target: NoteTarget, input: NoteInput): Promise<NoteView> {
    const fields = this.fields(input);
    return this.toView(this.store.addAnnotation({ target: await this.toSession(target), ...fields }));
  }

  update(id: string, input: NoteInput): Promise<NoteView> {
    return this.toView(this.store.updateAnnotation(id, this.fields(input)));
  }

  remove(id: string): boolean {
    return this.store.removeAnnotation(id);
  }

  /** The notes on a packet (and on hops seen at it), the capture's own comments included. */
  private notesAt(p: NotePacket): readonly Annotation[] {
    if (!this.attached) return [];
    if (!this.onPackets) {
      const m = new Map<string, Annotation[]>();
      for (const a of this.store.annotations) {
        const t = a.target;
        if ((t.kind !== 'packet' && t.kind !== 'hop') || t.capture === undefined || !this.store.isAttached(a)) continue;
        const k = `${this.store.capturePath(t.capture)}\n${t.packet}`;
        (m.get(k) ?? m.set(k, []).get(k)!).push(a);
      }
      this.onPackets = m;
    }
    return (this.onPackets.size && this.onPackets.get(`${p.path}\n${p.index}`)) || [];
  }

  /** The gravest severity of the notes on a packet, null when none. */
  severityOf(p: NotePacket): NoteSeverity | null {
    let worst: NoteSeverity | null = null;
    for (const a of this.notesAt(p)) if (!worst || RANK[a.severity] > RANK[worst]) worst = a.severity;
    return worst;
  }

  /** The user's notes on a packet as pcapng packet comments (exports to Wireshark carry them; the capture's own are copied as they are). */
  commentsOf(p: NotePacket): string[] {
    return this.notesAt(p)
      .filter((a) => a.source === 'user')
      .map(annotationComment);
  }

  /** Remembers the display filter (a filter alone does not create the session file). */
  rememberFilter(filter: string): void {
    this.store.setFilter(filter);
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  // ---------------------------------------------------------------------------------------------

  private fields(input: NoteInput) {
    const text = input.text.trim();
    if (!text) throw new Error('a note needs some text');
    return { text, tag: input.tag.trim(), severity: input.severity };
  }

  /** The session's capture and index of the packet numbered `no` in the list. */
  private async packetRef(no: number): Promise<{ capture: string; packet: number }> {
    if (!this.attached)
      throw new Error(
        'the captures are still being checked against this session (or their reading was cancelled): packet notes wait for that',
      );
    const p = await this.host.packetOf(no);
    if (!p) throw new Error(`there is no packet ${no} in the open set`);
    const c = this.store.captureForPath(p.path);
    if (!c) throw new Error(`the capture of packet ${no} is not in this session`);
    if (!this.unchanged(c.id)) {
      const check = this.store.captureChecks.find((x) => x.capture === c.id)!;
      throw new Error(`${check.message}: its packets cannot take new notes until the session is moved aside`);
    }
    return { capture: c.id, packet: p.index };
  }

  /** False when the capture changed or went missing since its notes were written. */
  private unchanged(capture: string): boolean {
    return this.store.captureChecks.every((x) => x.capture !== capture || x.state === 'ok');
  }

  private async toSession(t: NoteTarget): Promise<AnnotationTarget> {
    switch (t.kind) {
      case 'packet':
        return { kind: 'packet', ...(await this.packetRef(t.no)) };
      case 'hop':
        return { kind: 'hop', journey: t.journey, hop: t.hop, ...(await this.packetRef(t.no)) };
      case 'flow':
        return { kind: 'flow', flow: t.flow };
      case 'element':
        return { kind: 'element', element: t.element };
      case 'set':
        return { kind: 'set' };
    }
  }

  /** The list number of a session packet, 0 when its capture is not open or changed. */
  private async noOfRef(a: Annotation, capture: string, packet: number): Promise<number> {
    const path = this.store.capturePath(capture);
    return path && this.attached && this.store.isAttached(a) ? this.host.noOf(path, packet) : 0;
  }

  /** The note as the UI lists it (a hop note asks the analysis which journey its packet is on now). */
  private async toView(a: Annotation): Promise<NoteView> {
    const t = a.target;
    const h = this.host;
    let target: NoteTarget | null = null;
    let about: string;
    switch (t.kind) {
      case 'packet': {
        const no = await this.noOfRef(a, t.capture, t.packet);
        if (no > 0) target = { kind: 'packet', no };
        about = no > 0 ? `packet ${no} (${await h.placeOf(no)})` : `packet ${t.packet + 1} of ${t.capture} (not in the open set)`;
        break;
      }
      case 'hop': {
        // The hop is found again from its packet: journey numbers change when the set is analysed anew.
        const no = t.capture !== undefined && t.packet !== undefined ? await this.noOfRef(a, t.capture, t.packet) : 0;
        const j = no > 0 ? await h.journeyOf(no) : null;
        const place = no > 0 ? await h.placeOf(no) : '';
        if (no > 0 && j) target = { kind: 'hop', flow: j.flow, journey: j.journey, hop: j.hop, no };
        about =
          j && no > 0
            ? `hop ${j.hop + 1} of journey #${j.journey} (packet ${no}, ${place})`
            : `hop ${t.hop + 1} of journey #${t.journey}${no > 0 ? ` (packet ${no}, ${place})` : ' (not in the open set)'}`;
        break;
      }
      case 'flow':
        target = { kind: 'flow', flow: t.flow };
        about = `flow ${h.flowLabel(t.flow) ?? t.flow}`;
        break;
      case 'element': {
        const el = h.element(t.element);
        target = { kind: 'element', element: el?.id ?? t.element };
        about = el?.label ?? t.element;
        break;
      }
      case 'set':
        target = { kind: 'set' };
        about = 'the capture set';
        break;
    }
    return {
      id: a.id,
      kind: t.kind,
      target,
      about,
      text: a.text,
      tag: a.tag ?? '',
      severity: a.severity,
      created: a.created,
      updated: a.updated,
      source: a.source,
    };
  }
}
