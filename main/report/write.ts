// writeReport: one call for every export format (File > Export report... and `tunnelvision report`).
import { extname } from 'node:path';
import { atomicWriteFile } from '../session/atomic';
import { buildReport, type BuildOptions, type ReportAnalysis, type ReportSessionInput } from './build';
import { renderGraphSvg } from './graph-svg';
import { renderHtml } from './html';
import { renderMarkdown } from './markdown';
import { renderPdf } from './pdf';
import { writeAnnotatedPcapng, type PacketSelection } from './annotated-pcapng';
import type { ReportModel } from './model';

export type ReportFormat = 'html' | 'md' | 'json' | 'pdf' | 'pcapng';
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'md', 'json', 'pdf', 'pcapng'];

export interface WriteReportOptions extends BuildOptions {
  format?: ReportFormat;
  out: string;
  /** pcapng: which packets (default all). */
  packets?: PacketSelection;
  /** Markdown: also write the graph as FILE.graph.svg beside it and link it (default true). */
  graphFile?: boolean;
}

export interface WriteReportResult {
  format: ReportFormat;
  out: string;
  /** Other files written (the Markdown report's graph image). */
  extra: string[];
  bytes: number;
  /** The model (all formats except pcapng). */
  model?: ReportModel;
  /** pcapng: packets and comments written. */
  packets?: number;
  comments?: number;
}

/** The report as HTML, for the app's Electron printToPDF (File > Export report... as PDF). */
export async function buildReportHtml(
  analysis: ReportAnalysis,
  session: ReportSessionInput | null,
  opts: BuildOptions = {},
): Promise<string> {
  return renderHtml(await buildReport(analysis, session, opts));
}

export function formatFromPath(path: string): ReportFormat | null {
  const ext = extname(path).slice(1).toLowerCase();
  if (ext === 'htm') return 'html';
  if (ext === 'markdown') return 'md';
  return (REPORT_FORMATS as readonly string[]).includes(ext) ? (ext as ReportFormat) : null;
}

export async function writeReport(
  analysis: ReportAnalysis,
  session: ReportSessionInput | null,
  opts: WriteReportOptions,
): Promise<WriteReportResult> {
  const format = opts.format ?? formatFromPath(opts.out);
  if (!format) throw new Error(`cannot tell the report format from ${opts.out}: use .html, .md, .json, .pdf or .pcapng`);
  if (format === 'pcapng') {
    const r = await writeAnnotatedPcapng(analysis, session, opts.out, { packets: opts.packets });
    return { format, out: opts.out, extra: [], bytes: 0, packets: r.packets, comments: r.comments };
  }
  const model = await buildReport(analysis, session, opts);
  const extra: string[] = [];
  let data: string | Uint8Array;
  switch (format) {
    case 'html':
      data = renderHtml(model);
      break;
    case 'json':
      data = JSON.stringify(model, null, 2) + '\n';
      break;
    case 'md': {
      let graphImage: string | undefined;
      if (opts.graphFile !== false) {
        const svgPath = opts.out.replace(/\.(md|markdown)$/i, '') + '.graph.svg';
        await atomicWriteFile(svgPath, renderGraphSvg(model.graph));
        extra.push(svgPath);
        graphImage = svgPath.split(/[\\/]/).pop();
      }
      data = renderMarkdown(model, { graphImage });
      break;
    }
    case 'pdf':
      data = (await renderPdf(renderHtml(model))).pdf;
      break;
  }
  await atomicWriteFile(opts.out, data);
  return { format, out: opts.out, extra, bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.length, model };
}
