// When notes may be read and taken. A packet note names a packet by its number in the list, which
// is final only once every file of the set is read and the session's captures are checked by
// SHA-256 against the files (a changed capture keeps its notes off its packets). So while a set
// opens, note calls wait for the session to be bound to the set's files; a session file that
// cannot be read turns notes off for the set, with the reason; and a packet or hop note whose
// number was picked before reading ended (or in a set replaced since) is refused. Every change is
// saved (atomically) before the call returns.
import type { Backend } from './api';
import { Notes, type NotesHost } from './notes';
import { parseFilter } from '../../common/filter';

export class NoteGate {
  /** The open set's session, null before it is opened or when its file could not be read. */
  notes: Notes | null = null;
  /** Why there are no notes for this set, or a problem with them, or null. */
  problem: string | null = null;
  private bound: Promise<void> = Promise.resolve();
  private release: () => void = () => undefined;

  /** A set starts opening: note calls wait from now on. Returns the previous set's notes, to be saved and let go. */
  begin(): Notes | null {
    const previous = this.notes;
    this.notes = null;
    this.problem = null;
    // Calls still waiting for the previous set go ahead (and hear it is gone): none waits for ever.
    this.release();
    this.bound = new Promise<void>((r) => (this.release = r));
    return previous;
  }

  /** Opens the set's session file; a file that cannot be read turns notes off for the set. */
  async open(file: string, host: NotesHost): Promise<Notes | null> {
    try {
      this.notes = await Notes.open(file, host);
    } catch (e) {
      this.notes = null;
      this.problem = `Notes are off for this set: ${e instanceof Error ? e.message : String(e)}`;
    }
    return this.notes;
  }

  /** The session is bound to the set's files (or never will be): waiting note calls go ahead. */
  ready(): void {
    this.release();
  }

  /** Settles when the session of the set being opened is bound to its files. */
  whenReady(): Promise<void> {
    return this.bound;
  }

  /** The notes, once they may be used; else an error that says why not. */
  async require(filesOpen: boolean): Promise<Notes> {
    await this.bound;
    if (this.notes) return this.notes;
    throw new Error(
      this.problem ??
        (filesOpen ? 'The notes of this set are not ready yet.' : 'Open captures or a dataset first: notes belong to what is open.'),
    );
  }
}

type NoteMethods = Pick<Backend, 'listNotes' | 'rememberFilter' | 'addNote' | 'updateNote' | 'removeNote'>;

/** The packet list the notes number packets in: which one it is, whether its numbers are final, whether anything is open. */
export interface NumberedList {
  /** Changes when another set (or dataset) is opened. */
  readonly owner: object;
  /** False while a capture set is still being read (its packets are renumbered when reading ends). */
  readonly final: boolean;
  readonly open: boolean;
}

/** The contract's note methods over the open set or dataset (`list` says which), through its gate. */
export function noteMethods(gate: NoteGate, list: () => NumberedList): NoteMethods {
  const notes = () => gate.require(list().open);
  /** A note change is written to disk (atomically) before the UI hears it is done. */
  const saved = async <T>(n: Notes, result: T): Promise<T> => {
    await n.store.save();
    return result;
  };
  return {
    async listNotes() {
      return (await notes()).list();
    },
    async rememberFilter({ filter }) {
      if (parseFilter(filter).ok) gate.notes?.rememberFilter(filter);
    },
    async addNote({ target, ...input }) {
      // Packet numbers change when reading ends (read order, then time order): a number picked while
      // the set was still being read, or in a set replaced since, would name another packet.
      const { owner, final } = list();
      const n = await notes();
      if ((target.kind === 'packet' || target.kind === 'hop') && (owner !== list().owner || !final)) {
        throw new Error(
          'the packet list was renumbered while the note was being written (captures were still being read): select the packet again',
        );
      }
      return saved(n, await n.add(target, input));
    },
    async updateNote({ id, ...input }) {
      const n = await notes();
      return saved(n, await n.update(id, input));
    },
    async removeNote({ id }) {
      const n = await notes();
      return saved(n, n.remove(id));
    },
  };
}
