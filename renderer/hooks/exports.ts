// Exports (packets as pcapng, reports) and the notice that tells where they went: opened in
// Wireshark, saved, or offered as a download (browser mode).
import { useCallback, useState } from 'react';
import type { ExportResult, ExportSelection, ReportFormat } from '../../common/contract';
import { api } from '../api';
import { errorText } from '../logic/format';

export interface Notice {
  readonly text: string;
  readonly url?: string;
  readonly name?: string;
}

export interface Exports {
  readonly notice: Notice | null;
  /** Shows a message in the notice bar (null hides it). */
  tell(notice: Notice | null): void;
  /** Tells what went wrong with a call. */
  failed(e: unknown): void;
  exportPcapng(selection: ExportSelection): void;
  exportReport(format: ReportFormat): void;
}

function noticeOf(r: ExportResult): Notice | null {
  if (r.kind === 'cancelled') return null;
  if (r.kind === 'download')
    return { text: r.name.endsWith('.pcapng') ? `${r.packets} packets written as pcapng.` : 'Report written.', url: r.url, name: r.name };
  if (r.kind === 'wireshark') return { text: `${r.packets} packets opened in Wireshark (${r.path}).` };
  return { text: r.path.endsWith('.pcapng') ? `${r.packets} packets saved to ${r.path}.` : `Report saved to ${r.path}.` };
}

export function useExports(): Exports {
  const [notice, setNotice] = useState<Notice | null>(null);
  const failed = useCallback((e: unknown) => setNotice({ text: errorText(e) }), []);
  const delivered = useCallback((r: ExportResult) => {
    const n = noticeOf(r);
    if (n) setNotice(n);
  }, []);
  const exportPcapng = useCallback(
    (selection: ExportSelection) => void api.exportPcapng({ selection }).then(delivered, failed),
    [delivered, failed],
  );
  const exportReport = useCallback(
    (format: ReportFormat) => {
      setNotice({ text: `Writing the ${format.toUpperCase()} report…` });
      api.exportReport({ format }).then(delivered, failed);
    },
    [delivered, failed],
  );
  return { notice, tell: setNotice, failed, exportPcapng, exportReport };
}
