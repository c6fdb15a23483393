// Captures of the set: node, interface, kind, packets, time span, errors. The node and interface
// can be corrected (the analysis is redone with the user's attribution).
import { useState } from 'react';
import type { AppState, CaptureView } from '../../common/contract';
import { api } from '../api';
import { errorText, formatCount, formatSpan } from '../logic/format';
import { ReexportCommand } from './Reexport';

/** `dataset`: the open dataset's folder (a correction there is an export command, not applied in place). */
function EditAttribution(props: { capture: CaptureView; dataset: string | null; onDone(): void }) {
  const [node, setNode] = useState(props.capture.node ?? '');
  const [iface, setIface] = useState(props.capture.iface ?? '');
  const [error, setError] = useState<string | null>(null);
  const [reexport, setReexport] = useState<string | null>(null);
  return (
    <form
      className="attr-edit"
      onSubmit={(e) => {
        e.preventDefault();
        api
          .setAttribution({ capture: props.capture.id, node: node.trim() || null, iface: iface.trim() || null })
          .then(props.onDone, (err: unknown) => (props.dataset ? setReexport(errorText(err)) : setError(errorText(err))));
      }}
    >
      <label>
        Node <input data-testid="attr-node" value={node} onChange={(e) => setNode(e.target.value)} />
      </label>
      <label>
        Interface <input data-testid="attr-iface" value={iface} onChange={(e) => setIface(e.target.value)} />
      </label>
      {props.dataset && (
        <p className="muted">A dataset is analysed when it is exported: the correction gives the command that exports it again.</p>
      )}
      <div className="row">
        <button type="submit" data-testid="attr-apply">
          {props.dataset ? 'Show the export command' : 'Apply'}
        </button>
        <button type="button" onClick={props.onDone}>
          Cancel
        </button>
      </div>
      {error && <div className="error">{error}</div>}
      {reexport && <ReexportCommand text={reexport} />}
    </form>
  );
}

/** Why each point of the capture was placed where it is: the evidence the attribution cited. */
function Placement(props: { capture: CaptureView }) {
  const pts = props.capture.placement ?? [];
  const conflicts = pts.reduce((n, p) => n + p.conflicts.length, 0);
  return (
    <details className="placement" data-testid="placement">
      <summary>why here{conflicts > 0 && <span className="warn"> · {conflicts} conflicting</span>}</summary>
      {pts.map((p) => (
        <div key={p.point} className="placement-point" data-point={p.point}>
          {pts.length > 1 && (
            <div className="muted">
              {p.point}: {p.node ?? 'unknown'} / {p.iface ?? 'unknown'} · {p.kind}
            </div>
          )}
          <ul>
            {p.why.map((w, i) => (
              <li key={i}>
                {w.reason}
                {w.packets > 0 && <span className="muted"> ({formatCount(w.packets)} pkts)</span>}
              </li>
            ))}
            {p.conflicts.map((x, i) => (
              <li key={`c${i}`} className="warn">
                {x}
              </li>
            ))}
          </ul>
        </div>
      ))}
    </details>
  );
}

export function CapturesPanel(props: { state: AppState }) {
  const [editing, setEditing] = useState<number | null>(null);
  const { captures } = props.state;
  return (
    <section className="captures" aria-label="Captures" data-testid="captures">
      <h2>
        Captures{' '}
        <span className="muted">{captures.length ? `${captures.length} · ${formatCount(props.state.totalPackets)} packets` : ''}</span>
      </h2>
      {captures.length === 0 && (
        <p className="empty">
          No captures open. Open pcap or pcapng files taken on your nodes (pod veths, cni0/docker0, flannel.1, eth0), or drop them on this
          window.
        </p>
      )}
      <ul>
        {captures.map((c) => (
          <li key={c.id} className={`capture ${c.status}`} data-testid="capture" data-name={c.name}>
            <div className="capture-name" title={c.path}>
              <span className={`dot ${c.status}`} aria-hidden />
              {c.name}
            </div>
            <div className="capture-meta">
              <span title={`attribution: ${c.attribution}`}>
                {c.node ?? 'unknown'} / {c.iface ?? 'unknown'}
              </span>
              <span className="kind">{c.kind}</span>
              <button
                className="link"
                data-testid="attr-edit"
                onClick={() => setEditing(editing === c.id ? null : c.id)}
                title="Correct node and interface"
              >
                edit
              </button>
            </div>
            <div className="capture-meta muted">
              <span data-testid="capture-packets">{formatCount(c.packets)} pkts</span>
              <span>{formatSpan(c.firstTime, c.lastTime)}</span>
              <span>{c.format}</span>
            </div>
            {c.errors.length > 0 && (
              <ul className="capture-errors" data-testid="capture-errors">
                {c.errors.slice(0, 5).map((e, i) => (
                  <li key={i} className={e.fatal ? 'fatal' : 'warn'}>
                    {e.message}
                    {e.offset >= 0 ? ` (byte ${e.offset})` : ''}
                  </li>
                ))}
                {c.errors.length > 5 && <li className="muted">{c.errors.length - 5} more</li>}
              </ul>
            )}
            {c.placement && c.placement.length > 0 && <Placement capture={c} />}
            {editing === c.id && <EditAttribution capture={c} dataset={props.state.dataset} onDone={() => setEditing(null)} />}
          </li>
        ))}
      </ul>
    </section>
  );
}
