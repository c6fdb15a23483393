// Notes: what the user writes down about a packet, a flow, a hop, a graph element or the whole set.
// `NoteBox` shows the notes on one target with an "Add note" form and sits beside the thing it is
// about (packet detail, follow view, graph selection); `NotesPane` lists every note of the set and
// leads back to what each one is about. Note text is the user's (or a capture's comment): React text only.
import { useState } from 'react';
import {
  NOTE_SEVERITIES,
  type NoteInput,
  type NoteSeverity,
  type NoteTarget,
  type NoteView,
  type SessionView,
} from '../../common/contract';
import { api } from '../api';
import { Alert } from './Alert';
import { errorText as errText } from '../logic/format';

/** True when a note is about this target (a hop note is also about the packet seen at that hop). */
export function noteIsOn(n: NoteView, t: NoteTarget): boolean {
  const x = n.target;
  if (!x) return false;
  switch (t.kind) {
    case 'set':
      return x.kind === 'set';
    case 'packet':
      return (x.kind === 'packet' || x.kind === 'hop') && x.no === t.no;
    case 'flow':
      return x.kind === 'flow' && x.flow === t.flow;
    case 'hop':
      return x.kind === 'hop' && x.journey === t.journey && x.hop === t.hop;
    case 'element':
      return x.kind === 'element' && x.element === t.element;
  }
}

function NoteForm(props: { initial?: NoteInput; onSave(input: NoteInput): Promise<unknown>; onDone(): void }) {
  const [text, setText] = useState(props.initial?.text ?? '');
  const [tag, setTag] = useState(props.initial?.tag ?? '');
  const [severity, setSeverity] = useState<NoteSeverity>(props.initial?.severity ?? 'info');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="note-form"
      data-testid="note-form"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        props.onSave({ text, tag, severity }).then(
          () => props.onDone(),
          (err: unknown) => {
            setBusy(false);
            setError(errText(err));
          },
        );
      }}
    >
      <textarea
        data-testid="note-text"
        aria-label="Note"
        autoFocus
        rows={3}
        value={text}
        placeholder="What did you find? e.g. dies between flannel.1 and eth0 on node1: MTU"
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) e.currentTarget.form?.requestSubmit();
          if (e.key === 'Escape') props.onDone();
        }}
      />
      <div className="row">
        <input data-testid="note-tag" aria-label="Tag" placeholder="tag" value={tag} onChange={(e) => setTag(e.target.value)} />
        <select
          data-testid="note-severity"
          aria-label="Severity"
          value={severity}
          onChange={(e) => setSeverity(e.target.value as NoteSeverity)}
        >
          {NOTE_SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <button type="submit" data-testid="note-save" disabled={busy || !text.trim()}>
          Save note
        </button>
        <button type="button" onClick={props.onDone}>
          Cancel
        </button>
      </div>
      <Alert message={error} />
    </form>
  );
}

function NoteItem(props: { note: NoteView; showAbout: boolean; onGo?(t: NoteTarget): void; onChanged(): void }) {
  const n = props.note;
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mine = n.source === 'user';
  if (editing)
    return (
      <li className="note editing">
        <NoteForm
          initial={n}
          onSave={(input) => api.updateNote({ id: n.id, ...input }).then(props.onChanged)}
          onDone={() => setEditing(false)}
        />
      </li>
    );
  return (
    <li className={`note sev-${n.severity}`} data-testid="note" data-kind={n.kind} data-severity={n.severity}>
      <div className="note-head">
        <span className={`sev ${n.severity}`}>{n.severity}</span>
        {n.tag && <span className="chip">{n.tag}</span>}
        {props.showAbout &&
          (n.target && props.onGo ? (
            <button className="link about" data-testid="note-about" onClick={() => props.onGo!(n.target!)}>
              {n.about}
            </button>
          ) : (
            <span className="about muted">{n.about}</span>
          ))}
        {!mine && <span className="muted">comment in the capture</span>}
        <span className="spacer" />
        <span className="muted" title={`written ${n.created}${n.updated !== n.created ? `, edited ${n.updated}` : ''}`}>
          {n.updated.slice(0, 16).replace('T', ' ')}
        </span>
        {mine && (
          <>
            <button className="link" onClick={() => setEditing(true)} data-testid="note-edit">
              edit
            </button>
            <button
              className="link"
              data-testid="note-delete"
              onClick={() => {
                if (confirm('Delete this note?')) api.removeNote({ id: n.id }).then(props.onChanged, (e: unknown) => setError(errText(e)));
              }}
            >
              delete
            </button>
          </>
        )}
      </div>
      <div className="note-text">{n.text}</div>
      {error && <div className="error">{error}</div>}
    </li>
  );
}

/** The notes on one target, and a form to add one. */
export function NoteBox(props: { target: NoteTarget; notes: readonly NoteView[]; label: string; onChanged(): void; compact?: boolean }) {
  const [adding, setAdding] = useState(false);
  const mine = props.notes.filter((n) => noteIsOn(n, props.target));
  if (props.compact && !adding && !mine.length)
    return (
      <button className="link note-add" data-testid="note-add" onClick={() => setAdding(true)} title={`Note on ${props.label}`}>
        + note
      </button>
    );
  return (
    <div className="note-box" data-testid="note-box">
      {mine.length > 0 && (
        <ul className="notes">
          {mine.map((n) => (
            <NoteItem key={n.id} note={n} showAbout={props.target.kind === 'packet' && n.kind === 'hop'} onChanged={props.onChanged} />
          ))}
        </ul>
      )}
      {adding ? (
        <NoteForm
          onSave={(input) => api.addNote({ target: props.target, ...input }).then(props.onChanged)}
          onDone={() => setAdding(false)}
        />
      ) : (
        <button className="link note-add" data-testid="note-add" onClick={() => setAdding(true)}>
          + note on {props.label}
        </button>
      )}
    </div>
  );
}

/** Every note of the set, with where it is saved and what is wrong with the session. */
export function NotesPane(props: {
  notes: readonly NoteView[] | null;
  session: SessionView | null;
  error: string | null;
  onGo(t: NoteTarget): void;
  onChanged(): void;
}) {
  const s = props.session;
  const [severity, setSeverity] = useState<'' | NoteSeverity>('');
  if (!s)
    return <div className="notes-pane empty">Open captures or a dataset first: notes belong to what is open and are saved beside it.</div>;
  const shown = (props.notes ?? []).filter((n) => !severity || n.severity === severity);
  return (
    <div className="notes-pane" data-testid="notes-pane">
      <div className="notes-head">
        <span className="muted" data-testid="session-file" title={s.file}>
          {s.saved ? `Saved in ${s.file}` : `Notes will be saved in ${s.file}`}
        </span>
        <span className="spacer" />
        <select aria-label="Show severity" value={severity} onChange={(e) => setSeverity(e.target.value as '' | NoteSeverity)}>
          <option value="">all severities</option>
          {NOTE_SEVERITIES.map((x) => (
            <option key={x} value={x}>
              {x}
            </option>
          ))}
        </select>
      </div>
      <Alert message={s.error} />
      <Alert message={props.error} />
      {s.problems.length > 0 && (
        <ul className="findings" data-testid="session-problems">
          {s.problems.map((p, i) => (
            <li key={i} className="problem">
              {p}: its packet notes are kept but not shown on packets.
            </li>
          ))}
        </ul>
      )}
      <NoteBox target={{ kind: 'set' }} notes={[]} label="the capture set" onChanged={props.onChanged} />
      {shown.length === 0 ? (
        <div className="empty">
          No notes yet. Add one from a packet (Packet tab), a flow or hop (Follow flow tab), a selected graph element, or the whole set
          above.
        </div>
      ) : (
        <ul className="notes all">
          {shown.map((n) => (
            <NoteItem key={n.id} note={n} showAbout onGo={props.onGo} onChanged={props.onChanged} />
          ))}
        </ul>
      )}
    </div>
  );
}
