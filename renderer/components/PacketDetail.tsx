// One packet in full: OUTER and INNER headers side by side (one column per encapsulation level,
// collapsible field trees, fields that differ between levels marked), anomalies, and the hex/ASCII
// pane where a selected field lights up its bytes and a clicked byte selects its field.
import { useEffect, useMemo, useState } from 'react';
import type { FieldView, NoteView, PacketDetail as Detail } from '../../common/contract';
import { ancestorsOf, fieldAtByte, fieldPath } from '../logic/detail';
import { NO_TIME, formatAbsolute, hexLines, hexOffset } from '../logic/format';
import { NoteBox } from './Notes';

interface Sel {
  path: string;
  offset: number;
  length: number;
}

function FieldRow(props: {
  f: FieldView;
  path: string;
  depth: number;
  differing: ReadonlySet<string>;
  open: ReadonlySet<string>;
  toggle(p: string): void;
  sel: Sel | null;
  select(s: Sel): void;
}) {
  const { f, path } = props;
  const hasKids = f.children.length > 0;
  const isOpen = props.open.has(path);
  const selected = props.sel?.path === path;
  return (
    <li>
      <div
        className={`field${selected ? ' selected' : ''}${props.differing.has(f.name) ? ' differs' : ''}`}
        style={{ paddingLeft: 6 + props.depth * 14 }}
        data-field={f.name}
        onClick={() => props.select({ path, offset: f.offset, length: f.length })}
        title={props.differing.has(f.name) ? `${f.name} differs between levels` : f.name}
      >
        {hasKids ? (
          <button
            className="twisty"
            aria-label={isOpen ? 'Collapse' : 'Expand'}
            onClick={(e) => {
              e.stopPropagation();
              props.toggle(path);
            }}
          >
            {isOpen ? '▾' : '▸'}
          </button>
        ) : (
          <span className="twisty" />
        )}
        <span className="flabel">{f.label}:</span> <span className="fvalue">{f.value}</span>
      </div>
      {hasKids && isOpen && (
        <ul>
          {f.children.map((c, i) => (
            <FieldRow key={i} {...props} f={c} path={`${path}.${i}`} depth={props.depth + 1} />
          ))}
        </ul>
      )}
    </li>
  );
}

export function PacketDetail(props: {
  detail: Detail | null;
  loading: boolean;
  error: string | null;
  onFollow(no: number): void;
  /** The set's notes (null: no session, no notes). */
  notes: readonly NoteView[] | null;
  onNotesChanged(): void;
}) {
  const d = props.detail;
  const [open, setOpen] = useState<Set<string>>(new Set());
  const [sel, setSel] = useState<Sel | null>(null);
  // A new packet: every layer open, field trees closed, nothing selected.
  useEffect(() => {
    if (!d) return;
    const o = new Set<string>();
    d.levels.forEach((lv) => lv.layers.forEach((_l, li) => o.add(`${lv.level}/${li}`)));
    setOpen(o);
    setSel(null);
  }, [d]);
  const differing = useMemo(() => new Set(d?.differing ?? []), [d]);
  const lines = useMemo(() => (d ? hexLines(d.bytes) : []), [d]);

  if (props.error)
    return (
      <div className="detail empty" role="alert">
        {props.error}
      </div>
    );
  if (!d)
    return (
      <div className="detail empty">
        {props.loading ? 'Decoding…' : 'Select a packet to see its headers, outer and inner side by side.'}
      </div>
    );

  const toggle = (p: string) =>
    setOpen((o) => {
      const n = new Set(o);
      if (n.has(p)) n.delete(p);
      else n.add(p);
      return n;
    });
  const selectByte = (off: number) => {
    const hit = fieldAtByte(d.levels, off);
    if (!hit) return setSel({ path: '', offset: off, length: 1 });
    setOpen((o) => new Set([...o, ...ancestorsOf(hit.path)]));
    setSel({ path: hit.path, offset: hit.field.offset, length: hit.field.length });
  };
  const inSel = (i: number) => sel !== null && i >= sel.offset && i < sel.offset + sel.length;

  return (
    <div className="detail" data-testid="packet-detail" data-no={d.no}>
      <div className="detail-head">
        <strong>Packet {d.no}</strong>
        <span>
          {d.node} / {d.iface}
        </span>
        <span className="muted">{d.captureName}</span>
        <span className="muted">{d.noTime ? NO_TIME : formatAbsolute(d.tsSec, d.tsNsec)}</span>
        <span className="muted">
          {d.capLen} of {d.origLen} bytes
        </span>
        <button data-testid="follow-button" onClick={() => props.onFollow(d.no)}>
          Follow flow
        </button>
      </div>
      {props.notes && (
        <NoteBox target={{ kind: 'packet', no: d.no }} notes={props.notes} label={`packet ${d.no}`} onChanged={props.onNotesChanged} />
      )}
      {d.fragment && (
        <div className="muted detail-fragment" data-testid="fragment">
          IP {d.fragment}
        </div>
      )}
      {d.anomalies.length > 0 && (
        <ul className="anomalies" data-testid="anomalies">
          {d.anomalies.map((a, i) => (
            <li key={i} className={a.severity}>
              {a.code}: {a.message}
            </li>
          ))}
        </ul>
      )}
      {d.comments.length > 0 && (
        <ul className="comments">
          {d.comments.map((c, i) => (
            <li key={i}>Comment: {c}</li>
          ))}
        </ul>
      )}
      <div className="levels" style={{ gridTemplateColumns: `repeat(${Math.max(1, d.levels.length)}, minmax(0, 1fr))` }}>
        {d.levels.map((lv) => (
          <div key={lv.level} className="level" data-testid={`level-${lv.level}`} data-level={lv.level}>
            <h3>{lv.title}</h3>
            {lv.layers.map((layer, li) => {
              const lp = `${lv.level}/${li}`;
              const isOpen = open.has(lp);
              return (
                <div key={li} className="layer" data-proto={layer.proto}>
                  <div
                    className={`layer-head${sel?.path === lp ? ' selected' : ''}`}
                    onClick={() => setSel({ path: lp, offset: layer.offset, length: layer.length })}
                  >
                    <button
                      className="twisty"
                      aria-label={isOpen ? 'Collapse' : 'Expand'}
                      onClick={(e) => {
                        e.stopPropagation();
                        toggle(lp);
                      }}
                    >
                      {isOpen ? '▾' : '▸'}
                    </button>
                    <span className="lname">{layer.name}</span> <span className="muted">{layer.summary}</span>
                  </div>
                  {isOpen && (
                    <ul className="fields">
                      {layer.fields.map((f, fi) => (
                        <FieldRow
                          key={fi}
                          f={f}
                          path={fieldPath(lv.level, li, [fi])}
                          depth={0}
                          differing={differing}
                          open={open}
                          toggle={toggle}
                          sel={sel}
                          select={setSel}
                        />
                      ))}
                    </ul>
                  )}
                </div>
              );
            })}
          </div>
        ))}
      </div>
      <div className="hex" data-testid="hex" aria-label="Packet bytes">
        {lines.map((l) => (
          <div key={l.offset} className="hexline">
            <span className="hoff">{hexOffset(l.offset)}</span>
            <span className="hbytes">
              {l.hex.map((h, k) => (
                <span
                  key={k}
                  className={`hb${inSel(l.offset + k) ? ' on' : ''}`}
                  data-off={l.offset + k}
                  onClick={() => selectByte(l.offset + k)}
                >
                  {h}
                </span>
              ))}
            </span>
            <span className="hascii">
              {l.ascii.map((a, k) => (
                <span key={k} className={`ha${inSel(l.offset + k) ? ' on' : ''}`} onClick={() => selectByte(l.offset + k)}>
                  {a}
                </span>
              ))}
            </span>
          </div>
        ))}
      </div>
    </div>
  );
}
