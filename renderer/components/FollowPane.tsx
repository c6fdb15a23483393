// Follow a flow: its journeys (one packet followed across captures and nodes), the hop table of the
// chosen journey (capture, node, interface, time, delta, TTL, NAT, encapsulation), where it was
// last seen, and the drop / MTU / NAT findings.
import type { FollowView } from '../../preload/contract';
import { formatAbsolute, formatCount, formatDuration } from '../logic/format';

export interface FollowPaneProps {
  follow: FollowView | null;
  loading: boolean;
  error: string | null;
  journey: number;
  onJourney(i: number): void;
  onHop(packetNo: number): void;
  onAnimate(): void;
  onExport(kind: 'flow' | 'journey'): void;
}

export function FollowPane(props: FollowPaneProps) {
  const f = props.follow;
  if (props.error) return <div className="follow empty" role="alert">{props.error}</div>;
  if (!f) return <div className="follow empty">{props.loading ? 'Following…' : 'Select a packet and press Follow flow (or Enter, or double-click) to see its path hop by hop across captures and nodes.'}</div>;
  const j = f.journeys[props.journey] ?? f.journeys[0];
  return (
    <div className="follow" data-testid="follow">
      <div className="follow-head">
        <strong data-testid="follow-flow">{f.flowLabel}</strong>
        <span className="muted">
          {formatCount(f.packets)} packets · {formatCount(f.bytes)} bytes · {f.journeys.length} journeys
        </span>
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
      {j ? (
        <>
          {(j.lastSeen || j.findings.length > 0 || f.findings.length > 0) && (
            <ul className="findings" data-testid="findings">
              {j.lastSeen && <li className="problem">Last seen at {j.lastSeen}</li>}
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
                <th>Time</th>
                <th>Delta</th>
                <th>TTL</th>
                <th>NAT</th>
                <th>Encapsulation</th>
              </tr>
            </thead>
            <tbody>
              {j.hops.map((h, i) => (
                <tr key={i} data-testid="hop" onClick={() => props.onHop(h.packetNo)} title={`packet ${h.packetNo}`}>
                  <td>{i + 1}</td>
                  <td>{h.capture}</td>
                  <td>{h.node}</td>
                  <td>{h.iface}</td>
                  <td>{formatAbsolute(Math.floor(h.time), Math.round((h.time % 1) * 1e9))}</td>
                  <td>{formatDuration(h.delta)}</td>
                  <td>{h.ttl ?? ''}</td>
                  <td className={h.nat ? 'nat' : ''}>{h.nat}</td>
                  <td>{h.encap}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <div className="empty">This flow has no journey across captures (seen in one place only).</div>
      )}
    </div>
  );
}
