// "Decode as", as Wireshark users know it: traffic on a TCP/UDP port decoded as a chosen protocol
// (VXLAN on a port of the operator's choosing, flannel UDP, Geneve...). Applying reads the set again
// with the table; the set's session remembers it.
import { useState } from 'react';
import type { AppState, DecodeAsView } from '../../common/contract';
import { api } from '../api';
import { Alert } from './Alert';
import { errorText } from '../logic/format';
import { ReexportCommand } from './Reexport';

interface Row {
  layer: 'udp' | 'tcp';
  port: string;
  proto: string;
}

export function DecodeAsPanel(props: { state: AppState; onClose(): void }) {
  const [rows, setRows] = useState<Row[]>(() =>
    props.state.decodeAs.map((e) => ({ layer: e.layer, port: String(e.port), proto: e.proto })),
  );
  const [error, setError] = useState<string | null>(null);
  const [reexport, setReexport] = useState<string | null>(null);
  const dataset = props.state.dataset;
  const protocols = props.state.decodeAsProtocols;
  const set = (i: number, patch: Partial<Row>) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const bad = (r: Row) => !/^\d{1,5}$/.test(r.port) || Number(r.port) > 65535;
  return (
    <form
      className="decode-as"
      data-testid="decode-as"
      onSubmit={(e) => {
        e.preventDefault();
        const entries: DecodeAsView[] = rows.map((r) => ({ layer: r.layer, port: Number(r.port), proto: r.proto }));
        // The set is read again; its new state reaches the window as it is pushed.
        api.setDecodeAs({ entries }).then(
          () => props.onClose(),
          (err: unknown) => (dataset ? setReexport(errorText(err)) : setError(errorText(err))),
        );
      }}
    >
      <strong>Decode as</strong>
      <span className="muted"> traffic on these ports, before the built-in tables (VXLAN 4789/8472, flannel UDP 8285, Geneve 6081…)</span>
      <table>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i} data-testid="decode-as-row">
              <td>
                <select aria-label="Layer" value={r.layer} onChange={(e) => set(i, { layer: e.target.value as Row['layer'] })}>
                  <option value="udp">UDP</option>
                  <option value="tcp">TCP</option>
                </select>
              </td>
              <td>
                port{' '}
                <input
                  aria-label="Port"
                  data-testid="decode-as-port"
                  className={bad(r) ? 'invalid' : ''}
                  value={r.port}
                  inputMode="numeric"
                  size={6}
                  onChange={(e) => set(i, { port: e.target.value.trim() })}
                />
              </td>
              <td>
                as{' '}
                <select
                  aria-label="Protocol"
                  data-testid="decode-as-proto"
                  value={r.proto}
                  onChange={(e) => set(i, { proto: e.target.value })}
                >
                  {protocols.map((p) => (
                    <option key={p} value={p}>
                      {p}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <button type="button" className="link" aria-label="Remove" onClick={() => setRows((rs) => rs.filter((_, j) => j !== i))}>
                  remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row">
        <button
          type="button"
          data-testid="decode-as-add"
          onClick={() =>
            setRows((rs) => [...rs, { layer: 'udp', port: '', proto: protocols.includes('vxlan') ? 'vxlan' : (protocols[0] ?? '') }])
          }
        >
          Add a port
        </button>
        <span className="spacer" />
        <button type="submit" data-testid="decode-as-apply" disabled={rows.some(bad)}>
          {dataset ? 'Show the export command' : 'Apply and read again'}
        </button>
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
      </div>
      {dataset && <p className="muted">A dataset is decoded when it is exported: the table gives the command that exports it again.</p>}
      <Alert message={error} />
      {reexport && <ReexportCommand text={reexport} />}
    </form>
  );
}
