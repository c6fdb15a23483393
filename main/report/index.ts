// Public API of reports: build the model from an analysis and a session, render it (HTML, Markdown,
// JSON, PDF) or export annotated packets (pcapng). No Electron here: the app prints PDFs itself with
// printToPDF from renderHtml's output; the CLI and browser mode use renderPdf (headless Chromium).
export * from './model';
export { buildReport, buildGraph, isoTime, packetLabel, GENERATOR, type ReportAnalysis, type ReportSessionInput, type BuildOptions } from './build';
export { renderHtml, REPORT_CSP } from './html';
export { renderMarkdown } from './markdown';
export { renderGraphSvg, svgDataUrl } from './graph-svg';
export { renderPdf, launchChromium, findChromium, CHROMIUM_ARGS, type PdfResult } from './pdf';
export { writeAnnotatedPcapng, annotationComment, type PacketSelection, type AnnotatedExportOptions, type AnnotatedExportResult } from './annotated-pcapng';
export { writeReport, buildReportHtml, formatFromPath, REPORT_FORMATS, type ReportFormat, type WriteReportOptions, type WriteReportResult } from './write';
export { escapeHtml, escapeHtmlBreakable, escapeXml, mdText, mdCell, mdBlock, mdCode, visibleText, clip, shortClip } from './escape';
