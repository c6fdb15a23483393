// Public API of reports: build the model from an analysis and a session, render it (HTML, Markdown,
// JSON, PDF) or export annotated packets (pcapng). No Electron here: the app prints PDFs itself with
// printToPDF from renderHtml's output; the CLI and browser mode use renderPdf (headless Chromium).
//
//   await writeReport(analysis, store, { out: 'report.html' });        // format from the extension:
//        .html .md (+ .graph.svg beside it) .json (report.schema.json) .pdf (headless Chromium) .pcapng
//   await writeReport(analysis, store, { out: 'notes.pcapng', packets: 'annotated' });   // or 'all' (default)
//   await writeReport(analysis, store, { out: 'sel.pcapng', packets: new Map([[captureId, new Set([0, 5])]]) });
//   const html = await buildReportHtml(analysis, store);                // Electron: load it, printToPDF
//   const model = await buildReport(analysis, store);                  // the data every format renders
//
// `analysis` is main/topology's Analysis; `store` a SessionStore (or null: a report without notes).
// Every string from a capture or a user goes through escape.ts; the HTML carries REPORT_CSP, has no
// script and makes no request; the graph is an SVG image in a data: URL.
export * from './model';
export {
  buildReport,
  buildGraph,
  isoTime,
  packetLabel,
  GENERATOR,
  type ReportAnalysis,
  type ReportSessionInput,
  type BuildOptions,
} from './build';
export { renderHtml, REPORT_CSP } from './html';
export { renderMarkdown } from './markdown';
export { renderGraphSvg, svgDataUrl } from './graph-svg';
export { renderPdf, launchChromium, findChromium, CHROMIUM_ARGS, type PdfResult } from './pdf';
export {
  writeAnnotatedPcapng,
  annotationComment,
  type PacketSelection,
  type AnnotatedExportOptions,
  type AnnotatedExportResult,
} from './annotated-pcapng';
export {
  writeReport,
  buildReportHtml,
  formatFromPath,
  REPORT_FORMATS,
  type ReportFormat,
  type WriteReportOptions,
  type WriteReportResult,
} from './write';
export { escapeHtml, escapeHtmlBreakable, escapeXml, mdText, mdCell, mdBlock, mdCode, visibleText, clip, shortClip } from './escape';
