// Follow a flow: its journeys (one packet followed across captures and nodes), the hop table of the
// chosen journey (capture, node, interface, time, delta, TTL, NAT, encapsulation), where it was
// last seen, and the drop / MTU / NAT findings; notes on the flow and on each hop.
import { useEffect, useState } from 'react';
import type { FlowListItem, FollowView, HopView, NoteTarget, NoteView } from '../../common/contract';
import { NO_TIME, formatAbsolute, formatCount, formatDuration, formatOffset } from '../logic/format';
import { NoteBox, noteIsOn } from './Notes';

export interface FollowPaneProps {
  follow: FollowView | null;
  /** Flows through the graph element selected, to pick one from. */
  elementFlows: { element: string; flows: readonly FlowListItem[] } | null;
  onFollowFlow(flow: string): void;
  loading: boolean;
  error: string | null;
  journey: number;
  onJourney(i: number): void;
  onHop(packetNo: number): void;
  onAnimate(): void;
  onExport(kind: 'flow' | 'journey'): void;
  /** The set's notes (null: no session, no notes). */
  notes: readonly NoteView[] | null;
  onNotesChanged(): void;
}

function ElementFlows(props: { element: string; flows: readonly FlowListItem[]; current: string | null; onFollow(flow: string): void }) {
  return (
    <div className="element-flows" data-testid="element-flows">
      <strong>Flows through {props.element}</strong>
      {props.flows.length === 0 ? (
        <span className="muted"> none</span>
      ) : (
        <ul>
          {props.flows.map((f) => (
            <li key={f.flow}>
              <button className={`link${f.flow === props.current ? ' current' : ''}`} onClick={() => props.onFollow(f.flow)}>
                {f.label}
              </button>
              <span className="muted">
                {' '}
                {formatCount(f.packets)} pkts · {formatCount(f.journeys)} journeys
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function FollowPane(props: FollowPaneProps) {
  const f = props.follow;
  /** The hop whose notes are open under the table. */
  const [noteHop, setNoteHop] = useState<number | null>(null);
  useEffect(() => setNoteHop(null), [f, props.journey]);
  const flows = props.elementFlows && <ElementFlows {...props.elementFlows} current={f?.flow ?? null} onFollow={props.onFollowFlow} />;
  if (props.error)
    return (
      <div className="follow empty" role="alert">
        {flows}
        {props.error}
      </div>
    );
  if (!f)
    return (
      <div className="follow">
        {flows}
        <div className="empty">
          {props.loading
            ? 'Following…'
            : 'Select a packet and press Follow flow (or Enter, or double-click), or select a link or pod in the graph and pick one of its flows, to see the path hop by hop across captures and nodes.'}
        </div>
      </div>
    );
  const j = f.journeys[props.journey] ?? f.journeys[0];
  const hopTarget = (i: number): NoteTarget => ({ kind: 'hop', flow: f.flow, journey: j.id, hop: i, no: j.hops[i].packetNo });
  const hopNotes = (i: number) => (props.notes ?? []).filter((n) => noteIsOn(n, hopTarget(i)));
  return (
    <div className="follow" data-testid="follow">
      {flows}
      <div className="follow-head">
        <strong data-testid="follow-flow">{f.flowLabel}</strong>
        <span className="muted">
          {formatCount(f.packets)} packets · {formatCount(f.bytes)} bytes · {f.journeys.length} journeys
        </span>
        {f.communityId && (
          <span
            className="muted"
            data-testid="follow-community-id"
            title="Community ID v1: the same flow in Zeek, Suricata or Wireshark logs"
          >
            {f.communityId}
          </span>
        )}
        <span className="spacer" />
        {f.journeys.length > 1 && (
          <select aria-label="Journey" value={props.journey} onChange={(e) => props.onJourney(Number(e.target.value))}>
            {f.journeys.map((jj, i) => (
              <option key={jj.id} value={i}>
                {jj.label}
              </option>
            ))}
          </select>
        )}
        <button onClick={props.onAnimate} disabled={!j}>
          Animate path
        </button>
        <button onClick={() => props.onExport('journey')} disabled={!j} data-testid="export-journey">
          Journey → Wireshark
        </button>
        <button onClick={() => props.onExport('flow')} data-testid="export-flow">
          Flow → Wireshark
        </button>
      </div>
      {props.notes && (
        <NoteBox target={{ kind: 'flow', flow: f.flow }} notes={props.notes} label="this flow" onChanged={props.onNotesChanged} />
      )}
      {j ? (
        <>
          {(j.lastSeen || j.verdict || j.findings.length > 0 || f.findings.length > 0) && (
            <ul className="findings" data-testid="findings">
              {j.lastSeen && <li className="problem">Last seen at {j.lastSeen}</li>}
              {j.verdict && <li data-testid="verdict">Verdict: {j.verdict}</li>}
              {[...j.findings, ...f.findings].map((x, i) => (
                <li key={i}>{x}</li>
              ))}
            </ul>
          )}
          <table className="hops" data-testid="hop-table">
            <thead>
              <tr>
                <th>#</th>
                <th>Capture</th>
                <th>Node</th>
                <th>Interface</th>
                <th
                  title={
                    f.clockReference
                      ? `Each node's clock offset to ${f.clockReference} is removed; hover a time for the capture's own`
                      : 'No clock offset could be measured: times are as captured'
                  }
                  data-testid="hop-time-head"
                >
                  {f.clockReference ? `Time (on ${f.clockReference}'s clock)` : 'Time (as captured)'}
                </th>
                <th>Delta</th>
                <th>TTL</th>
                <th>NAT</th>
                <th>Encapsulation</th>
                {props.notes && <th>Notes</th>}
              </tr>
            </thead>
            <tbody>
              {j.hops.map((h, i) => (
                <tr key={i} data-testid="hop" onClick={() => props.onHop(h.packetNo)} title={`packet ${h.packetNo}`}>
                  <td>{i + 1}</td>
                  <td>{h.capture}</td>
                  <td>{h.node}</td>
                  <td>{h.iface}</td>
                  {h.noTime ? (
                    <td className="hop-time muted" data-testid="hop-time" title={`${h.capture} recorded no timestamp for this packet`}>
                      {NO_TIME}
                    </td>
                  ) : (
                    <td
                      className="hop-time"
                      data-testid="hop-time"
                      title={`${formatAbsolute(h.captured.sec, h.captured.nsec)} on ${h.node}'s own clock (in ${h.capture})${h.offsetNs ? `; ${formatOffset(h.offsetNs)} removed` : ''}`}
                    >
                      {formatAbsolute(h.corrected.sec, h.corrected.nsec)}
                      {h.offsetNs !== 0 && (
                        <div className="muted own-time">own clock {formatAbsolute(h.captured.sec, h.captured.nsec)}</div>
                      )}
                    </td>
                  )}
                  <td title={h.deltaNote ?? undefined} data-testid="hop-delta">
                    {deltaText(h)}
                  </td>
                  <td>{h.ttl ?? ''}</td>
                  <td className={h.nat ? 'nat' : ''}>{h.nat}</td>
                  <td>{h.encap}</td>
                  {props.notes && (
                    <td>
                      <button
                        className={`link hop-note${noteHop === i ? ' current' : ''}`}
                        data-testid="hop-note"
                        title={`Notes on hop ${i + 1}`}
                        onClick={(e) => {
                          e.stopPropagation();
                          setNoteHop(noteHop === i ? null : i);
                        }}
                      >
                        {hopNotes(i).map((n) => (
                          <span key={n.id} className={`note-mark ${n.severity}`} />
                        ))}
                        ✎
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          {props.notes && noteHop !== null && j.hops[noteHop] && (
            <NoteBox
              target={hopTarget(noteHop)}
              notes={props.notes}
              label={`hop ${noteHop + 1} (${j.hops[noteHop].node} / ${j.hops[noteHop].iface})`}
              onChanged={props.onNotesChanged}
            />
          )}
        </>
      ) : (
        <div className="empty">This flow has no journey across captures (seen in one place only).</div>
      )}
    </div>
  );
}

/** A hop's delta: exact on one clock; across two, with the interval the clocks allow; '?' when unknown. */
function deltaText(h: HopView): string {
  if (h.delta === null) return h.deltaNote ? '?' : '';
  if (!h.deltaRange) return formatDuration(h.delta);
  const [lo, hi] = h.deltaRange;
  return `${formatDuration(h.delta)} (${formatDuration(lo) || '0'} – ${hi === null ? '?' : formatDuration(hi)})`;
}
