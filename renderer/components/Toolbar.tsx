// The toolbar: open and add captures (the desktop's dialog, or the page's file picker), the
// recent sets, the display filter, decode as, export to Wireshark, the report, settings.
import type { ReactNode } from 'react';
import { REPORT_FORMATS, type AppState, type ReportFormat } from '../../common/contract';
import { FilterBar } from './FilterBar';
import { formatBytes, formatCount } from '../logic/format';

export interface ToolbarProps {
  readonly state: AppState | null;
  readonly busy: boolean;
  readonly filter: string;
  readonly filterError: string | null;
  readonly decodeAsCount: number;
  /** Opens captures (replacing the set, or added to it with `append`). */
  open(append: boolean): void;
  /** Opens a Parquet dataset folder in place of the captures. */
  openDataset(): void;
  /** The page's hidden file picker (browser mode), or null. */
  readonly picker: ReactNode;
  onRecent(path: string): void;
  onFilter(filter: string): void;
  onDecodeAs(): void;
  onExportListed(): void;
  onReport(format: ReportFormat): void;
  onSettings(): void;
}

export function Toolbar(props: ToolbarProps) {
  const { state, busy } = props;
  return (
    <header className="toolbar">
      <span className="brand">Tunnelvision</span>
      <div className="tool-group" role="group" aria-label="Captures">
        <button data-testid="open" onClick={() => props.open(false)} title="Open captures (replaces the set)">
          Open…
        </button>
        <button data-testid="add" onClick={() => props.open(true)} title="Add captures to the set">
          Add…
        </button>
        <button
          data-testid="open-dataset"
          onClick={props.openDataset}
          title="Open a Parquet dataset folder (tunnelvision export --parquet)"
        >
          Dataset…
        </button>
        <select
          aria-label="Open recent"
          data-testid="recent"
          value=""
          disabled={!state?.recent.length}
          onChange={(e) => {
            if (e.target.value) props.onRecent(e.target.value);
          }}
        >
          <option value="">Recent…</option>
          {state?.recent.map((p) => (
            <option key={p} value={p}>
              {p.split(/[\\/]/).pop()}
            </option>
          ))}
        </select>
        {props.picker}
      </div>
      <FilterBar applied={props.filter} onApply={props.onFilter} serverError={props.filterError} />
      <div className="tool-group actions" role="group" aria-label="Analysis and export">
        <button
          data-testid="decode-as-open"
          onClick={props.onDecodeAs}
          disabled={!state?.captures.length || busy}
          title="Decode traffic on a port as a tunnel or protocol"
        >
          Decode as{props.decodeAsCount ? ` (${props.decodeAsCount})` : '…'}
        </button>
        <button
          data-testid="export-filter"
          onClick={props.onExportListed}
          disabled={!state?.totalPackets}
          title="Write the listed packets as pcapng and open them in Wireshark"
        >
          Open in Wireshark
        </button>
        <select
          aria-label="Export report"
          data-testid="report-format"
          value=""
          disabled={!state?.totalPackets || busy}
          onChange={(e) => {
            if (e.target.value) props.onReport(e.target.value as ReportFormat);
          }}
        >
          <option value="">Export report…</option>
          {REPORT_FORMATS.map((f) => (
            <option key={f} value={f}>
              {f === 'md' ? 'Markdown' : f === 'pcapng' ? 'Annotated pcapng' : f.toUpperCase()}
            </option>
          ))}
        </select>
        <button data-testid="settings-open" onClick={props.onSettings} title="Read limits: bytes, packets and memory per capture set">
          Settings…
        </button>
      </div>
    </header>
  );
}

export function LoadProgressBar(props: { state: AppState; onCancel(): void }) {
  const p = props.state.progress;
  return (
    <div
      className="progress"
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={p?.bytesTotal ?? 0}
      aria-valuenow={p?.bytesRead ?? 0}
      data-testid="progress"
    >
      <div className="bar">
        <div className="fill" style={{ width: `${p && p.bytesTotal ? Math.min(100, (100 * p.bytesRead) / p.bytesTotal) : 5}%` }} />
      </div>
      <span>
        {props.state.phase === 'analysing' ? 'Analysing the capture set…' : `Reading ${p?.file ?? ''}`}{' '}
        {p ? `${formatBytes(p.bytesRead)} of ${formatBytes(p.bytesTotal)} · ${formatCount(p.packets)} packets` : ''}
      </span>
      <button data-testid="cancel" onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}
