// HTML report: one self-contained file. No scripts at all, no external requests: the Content-Security-
// Policy allows only the one stylesheet (by hash) and data: images; the cluster graph is an SVG image
// in a data: URL; timelines are inline SVG shapes. Every string goes through escape.ts.
import { createHash } from 'node:crypto';
import { DEFAULT_CLIP, escapeHtml as e, escapeHtmlBreakable, escapeXml, shortClip, visibleText } from './escape';
import { renderGraphSvg, svgDataUrl } from './graph-svg';
import {
  hopsAndPieces,
  hopTimeCell,
  hopTimeTitle,
  latencyCell,
  listedLinks,
  NO_TIMESTAMP,
  offsetCell,
  piecesPackets,
  clockOffsetCell,
  clockReferenceCell,
  uncertaintyCell,
  type ReportAnnotation,
  type ReportFlow,
  type ReportHop,
  type ReportJourney,
  type ReportOffloaded,
  type ReportModel,
  type ReportPacket,
} from './model';
import { duration } from '../../common/text';

const CSS = `
:root{--fg:#1d2330;--muted:#5a6478;--line:#d5dae3;--bg:#fff;--head:#f1f4f9;--problem:#b71c1c;--warning:#a35a00;--info:#1f5fa8}
*{box-sizing:border-box}
body{font:14px/1.45 "DejaVu Sans",Arial,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1200px;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;border-bottom:2px solid var(--line);padding-bottom:4px;margin-top:32px}
h3{font-size:16px;margin:20px 0 6px}h4{font-size:14px;margin:14px 0 4px}
p,li,h1,h2,h3,h4,figcaption{overflow-wrap:anywhere}
td{overflow-wrap:break-word}
th{overflow-wrap:normal;word-break:keep-all}
.meta{color:var(--muted);font-size:12.5px}
nav ol{columns:2;font-size:13px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:12.5px}
table.hops{font-size:11px}table.hops td,table.hops th{padding:2px 4px}
th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
th{background:var(--head)}
tr{break-inside:avoid}
code,.mono{font-family:"DejaVu Sans Mono",monospace;font-size:12px}
.sev{font-weight:bold;text-transform:uppercase;font-size:11px}
.sev-problem{color:var(--problem)}.sev-warning{color:var(--warning)}.sev-info{color:var(--info)}
.note{white-space:pre-wrap;overflow-wrap:anywhere}
.warn{border-left:4px solid var(--warning);background:#fff6e5;padding:6px 10px;margin:8px 0}
figure{margin:8px 0}figure img{max-width:100%;height:auto;border:1px solid var(--line)}
.levels{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:10px}
.level{border:1px solid var(--line);border-radius:6px;padding:6px;break-inside:avoid}
.level h4{margin:0 0 6px}
.layer{font-weight:bold;margin:6px 0 2px;font-size:12.5px}
.fields td{font-size:11.5px;padding:1px 4px}
.d1 td:first-child{padding-left:16px}.d2 td:first-child{padding-left:28px}.d3 td:first-child{padding-left:40px}
.differs td{background:#fff3c4;font-weight:bold}
.flow,.packet{border-top:1px solid var(--line);padding-top:4px}
.timeline{width:100%;height:auto;max-height:120px}
.empty{color:var(--muted);font-style:italic}
@media print{body{padding:0;max-width:none;font-size:11px}table{font-size:10px}code,.mono{font-size:9.5px}nav{display:none}h2{break-after:avoid}h3,h4{break-after:avoid}.packet,.journey{break-inside:auto}}
@page{size:A4;margin:14mm 12mm}
`;

const CSS_HASH = createHash('sha256').update(CSS).digest('base64');

/** The policy the report carries (tests assert it). No script-src: default-src 'none' forbids scripts. */
export const REPORT_CSP = `default-src 'none'; img-src data:; style-src 'sha256-${CSS_HASH}'; base-uri 'none'; form-action 'none'`;

const sev = (s: string) => `<span class="sev sev-${e(s)}">${e(s)}</span>`;
const clipped = (s: unknown) => escapeHtmlBreakable(s, DEFAULT_CLIP);
const noteText = (s: unknown) => `<span class="note">${escapeHtmlBreakable(s, undefined, 40)}</span>`;
const list = (xs: readonly string[]) => (xs.length ? xs.map(clipped).join('<br>') : '');
const emptyNote = (s: string) => `<p class="empty">${e(s)}</p>`;

function table(head: readonly string[], rows: readonly (readonly string[])[], cls = ''): string {
  if (!rows.length) return '';
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

function annotationList(ids: readonly string[], byId: Map<string, ReportAnnotation>): string {
  const items = ids.map((id) => byId.get(id)).filter((a): a is ReportAnnotation => !!a);
  if (!items.length) return '';
  return `<ul class="notes">${items
    .map(
      (a) =>
        `<li>${sev(a.severity)} ${a.tag ? `<code>${clipped(a.tag)}</code> ` : ''}${noteText(a.text)}${a.attached ? '' : ' <em>(capture changed: not tied to a packet)</em>'}</li>`,
    )
    .join('')}</ul>`;
}

/** A journey's timeline: hops on a clock-corrected time axis. */
function timelineSvg(j: ReportJourney): string {
  const W = 1000;
  const H = 34 + 16 * Math.min(j.hops.length, 12);
  const total = Math.max(...j.hops.map((h) => h.offsetMs ?? 0), 1e-6);
  const x = (ms: number) => 20 + (ms / total) * (W - 40);
  const parts = [`<line x1="20" y1="18" x2="${W - 20}" y2="18" stroke="#8a94a6" stroke-width="1.5"/>`];
  j.hops.slice(0, 12).forEach((h, i) => {
    // A hop with no timestamp has no place on the time axis: it is listed, not drawn.
    if (h.offsetMs === null) return;
    const hx = x(h.offsetMs);
    const y = 34 + 16 * i;
    parts.push(`<circle cx="${hx}" cy="18" r="5" fill="${h.problems.length ? '#b71c1c' : '#1f5fa8'}"/>`);
    parts.push(`<line x1="${hx}" y1="22" x2="${hx}" y2="${y - 4}" stroke="#c0c6d2" stroke-width="1"/>`);
    const right = hx > W / 2;
    parts.push(
      `<text x="${right ? hx - 4 : hx + 4}" y="${y}"${right ? ' text-anchor="end"' : ''} font-size="11" font-family="DejaVu Sans,Arial,sans-serif" fill="#1d2330">${escapeXml(`${h.index + 1}. ${shortClip(visibleText(`${h.node ?? 'unknown node'} ${h.interface ?? h.point}`), 48)} +${h.offsetMs.toFixed(3)} ms`)}</text>`,
    );
  });
  return `<svg class="timeline" viewBox="0 0 ${W} ${H}" role="img" aria-label="timeline of journey ${j.id}">${parts.join('')}</svg>`;
}

/** 'HH:MM:SS.nnnnnnnnn' of an ISO 8601 time. */
const clock = (iso: string): string => (iso === NO_TIMESTAMP ? iso : iso.slice(11, 29));

function journeyHtml(j: ReportJourney, byId: Map<string, ReportAnnotation>): string {
  // A place it crossed only in pieces is a row of its own between the hops (`follow`'s IN PIECES lines), its reason in Info.
  const piecesRow = (o: ReportOffloaded) => [
    '<span class="meta">in pieces</span>',
    `${clipped(o.node ?? 'unknown node')} ${clipped(o.interface ?? o.point)} <span class="meta">${e(o.kind)}</span>`,
    `<code>${clipped(piecesPackets(o))}</code>`,
    '',
    '',
    '',
    '',
    '',
    '',
    `<strong>in pieces</strong> ${clipped(o.reason)}`,
  ];
  const hopRow = (h: ReportHop) => [
    String(h.index + 1),
    `${clipped(h.node ?? 'unknown node')} ${clipped(h.interface ?? h.point)} <span class="meta">${e(h.kind)}</span>`,
    `<code>${clipped(h.packet)}</code>`,
    `<span class="mono">${e(hopTimeCell(h, j.hops, clock))}</span>` +
      (h.correctedTime && h.correctedTime !== h.time
        ? `<br><span class="meta">as captured <span class="mono">${e(clock(h.time))}</span></span>`
        : ''),
    offsetCell(h),
    latencyCell(h),
    `${h.ttl}${h.ttlDelta ? ` (${h.ttlDelta > 0 ? '+' : ''}${h.ttlDelta})` : ''}`,
    `${clipped(h.src)} → ${clipped(h.dst)}`,
    [h.encap ? clipped(h.encap) : '', h.nat ? `<strong>NAT</strong> ${clipped(h.nat)}` : ''].filter(Boolean).join('<br>'),
    [clipped(h.info), ...h.problems.map((p) => `<span class="sev sev-problem">${e(p)}</span>`)].join(' ') +
      (h.annotations.length ? ' ✎' : ''),
  ];
  const rows = hopsAndPieces(j).map((x) => ('pieces' in x ? piecesRow(x.pieces) : hopRow(x.hop)));
  const hopNotes = j.hops
    .filter((h) => h.annotations.length)
    .map(
      (h) =>
        `<div class="hop-notes"><strong>Hop ${h.index + 1}</strong> (${clipped(h.node ?? 'unknown node')} ${clipped(h.interface ?? h.point)}):${annotationList(h.annotations, byId)}</div>`,
    )
    .join('');
  const notes = [
    ...(j.verdict ? [`verdict: ${j.verdict}`] : []),
    ...(j.clockNotes ?? []).map((c) => `latency at ${c}`),
    ...j.gaps.map((g) => `gap: ${g}`),
    ...j.nat.map((n) => `NAT: ${n}`),
    ...j.mtu.map((m) => `MTU: ${m}`),
    ...j.problems.map((p) => `problem: ${p}`),
  ];
  return `<div class="journey"><h4>Journey ${j.id}: ${e(j.status)}, last seen at ${clipped(j.lastSeen)}, ${e(duration(j.totalLatencyMs * 1e6))} end to end</h4>
${timelineSvg(j)}
${table(['#', 'Where', 'Packet', hopTimeTitle(j.hops), 'At ms', 'Δ ms', 'TTL', 'Inner src → dst', 'Encapsulation / NAT', 'Info'], rows, 'hops')}
${hopNotes}
${notes.length ? `<ul>${notes.map((n) => `<li>${clipped(n)}</li>`).join('')}</ul>` : ''}</div>`;
}

function flowHtml(f: ReportFlow, i: number, byId: Map<string, ReportAnnotation>): string {
  return `<article class="flow" id="flow-${i + 1}"><h3>${clipped(f.id)}</h3>
<p class="meta">${e(f.protocol)} ${clipped(f.a)} ⇄ ${clipped(f.b)} · ${f.packets} packets, ${f.bytes} bytes · ${e(f.firstTime)} – ${e(f.lastTime)}${f.tcpState ? ` · TCP ${e(f.tcpState)}` : ''}${f.communityId ? ` · Community ID ${e(f.communityId)}` : ''}${
    f.natPeers.length ? ` · seen through NAT as ${list(f.natPeers)}` : ''
  }</p>
${annotationList(f.annotations, byId)}
${f.journeys.map((j) => journeyHtml(j, byId)).join('\n')}
${f.journeysTotal > f.journeys.length ? `<p class="meta">${f.journeysTotal - f.journeys.length} more journeys of this flow are not shown.</p>` : ''}</article>`;
}

function packetHtml(p: ReportPacket, byId: Map<string, ReportAnnotation>): string {
  const levels = p.levels
    .map(
      (l) =>
        `<div class="level"><h4>${e(l.title)}</h4>${l.layers
          .map(
            (ly) =>
              `<div class="layer">${clipped(ly.name)}</div><table class="fields"><tbody>${ly.fields
                .map(
                  (f) =>
                    `<tr class="d${Math.min(f.depth, 3)}${f.differs ? ' differs' : ''}"><td>${clipped(f.label)}</td><td class="mono">${clipped(f.value)}${f.differs ? ' ≠' : ''}</td></tr>`,
                )
                .join('')}</tbody></table>`,
          )
          .join('')}</div>`,
    )
    .join('');
  return `<article class="packet" id="packet-${e(p.ref)}"><h3><code>${clipped(p.ref)}</code> ${clipped(p.protocol)}: ${clipped(p.info)}</h3>
<p class="meta">${e(p.time)} · ${clipped(p.node ?? 'unknown node')} ${clipped(p.interface ?? '')} · ${p.length} bytes${p.anomalies.length ? ` · ${list(p.anomalies)}` : ''}</p>
${annotationList(p.annotations, byId)}
${p.unavailable ? `<p class="warn">${clipped(p.unavailable)}</p>` : `<div class="levels">${levels}</div>`}</article>`;
}

export function renderHtml(r: ReportModel): string {
  const byId = new Map(r.annotations.map((a) => [a.id, a]));
  const svg = renderGraphSvg(r.graph, 'Cluster graph');
  const boxLabel = (id: string | null) => (id === null ? '' : (r.graph.nodes.find((n) => n.id === id)?.label ?? id));
  const s = r.summary;
  const sections: [string, string, string][] = [
    ['summary', 'Summary', ''],
    ['captures', 'Capture inventory', ''],
    ['graph', 'Cluster graph', ''],
    ['findings', 'Findings', ''],
    ['flows', 'Annotated flows', ''],
    ['packets', 'Annotated packets', ''],
    ['clocks', 'Clock offsets', ''],
    ['annotations', 'Annotations', ''],
  ];
  const body: Record<string, string> = {
    summary: `<ul>
<li>${s.captures} captures, ${s.packets} packets</li>
<li>${s.nodes} nodes, ${s.pods} pods, ${s.services} services, ${s.tunnels} tunnels</li>
<li>${s.flows} flows, ${s.journeys} journeys</li>
<li>${s.findings.problem} problems, ${s.findings.warning} warnings, ${s.findings.info} notes found; ${s.annotations} annotations</li>
${r.session.file ? `<li>Session: <code>${clipped(r.session.file)}</code></li>` : ''}
${r.session.filter ? `<li>Filter: <code>${clipped(r.session.filter)}</code></li>` : ''}
${r.session.decodeAs.length ? `<li>Decode as: ${r.session.decodeAs.map((d) => `<code>${e(d.layer)} ${d.port} → ${e(d.proto)}</code>`).join(', ')}</li>` : ''}
</ul>${r.session.warnings.map((w) => `<p class="warn">${clipped(w)}</p>`).join('')}`,
    captures:
      table(
        ['Capture', 'Format', 'Packets', 'First packet (UTC)', 'Duration (s)', 'Taken on (node / interface / kind)', 'State', 'Errors'],
        r.captures.map((c) => [
          `<code>${clipped(c.file)}</code>${c.sha256 ? `<br><span class="meta mono">sha256 ${e(c.sha256.slice(0, 16))}…</span>` : ''}`,
          e(c.format),
          String(c.packets),
          clipped(c.firstTime ?? ''),
          c.durationSec === null ? '' : c.durationSec.toFixed(3),
          c.points
            .map(
              (p) =>
                `${clipped(p.node ?? 'unknown')} / ${clipped(p.interface ?? 'unknown')} / ${e(p.kind)} <span class="meta">(${e(p.source)})</span>` +
                (p.unknown ?? []).map((u) => `<br><span class="meta">${clipped(u)}</span>`).join(''),
            )
            .join('<br>'),
          `${e(c.state)}${c.stateMessage ? `<br><span class="meta">${clipped(c.stateMessage)}</span>` : ''}`,
          list(c.errors),
        ]),
      ) || emptyNote('No captures.'),
    graph: `<figure><img id="graph-image" src="${svgDataUrl(svg)}" alt="Cluster graph: ${s.nodes} nodes, ${s.pods} pods, ${s.tunnels} tunnels"><figcaption class="meta">Nodes with their NIC, tunnel device, bridge, veths and pods; arcs are tunnels; ✎ marks annotated elements.</figcaption></figure>
${table(
  ['Element', 'Kind', 'Addresses', 'In node'],
  r.graph.nodes.map((n) => [
    `${clipped(n.label)}${n.annotated ? ' ✎' : ''}`,
    e(n.kind),
    clipped(n.detail) + (n.unknown?.length ? `<br><span class="meta">${n.unknown.map((u) => clipped(u)).join('<br>')}</span>` : ''),
    clipped(boxLabel(n.parent)),
  ]),
)}
${table(
  ['Tunnel / link', 'Between', 'Kind'],
  listedLinks(r.graph).map((x) => [`${clipped(x.label)}${x.annotated ? ' ✎' : ''}`, clipped(x.between), e(x.kind)]),
)}`,
    findings:
      table(
        ['Severity', 'Finding', 'Message', 'Where', 'Packets'],
        r.findings.map((f) => [
          sev(f.severity),
          `<code>${e(f.code)}</code>`,
          clipped(f.message),
          [
            f.node ? `node ${clipped(f.node)}` : '',
            f.flow ? `flow ${clipped(f.flow)}` : '',
            f.journey !== null ? `journey ${f.journey}` : '',
          ]
            .filter(Boolean)
            .join('<br>'),
          list(f.packets.slice(0, 8)) + (f.packets.length > 8 ? `<br>… ${f.packets.length - 8} more` : ''),
        ]),
      ) || emptyNote('Nothing wrong was found.'),
    flows: r.flows.map((f, i) => flowHtml(f, i, byId)).join('\n') || emptyNote('No flow, hop or packet of a flow is annotated.'),
    packets: r.packets.map((p) => packetHtml(p, byId)).join('\n') || emptyNote('No packet is annotated.'),
    clocks:
      table(
        ['Node', 'Reference', 'Offset (ms)', '± (ms)', 'Samples', 'Method'],
        r.clockOffsets.map((c) => [
          clipped(c.node),
          clipped(clockReferenceCell(c)),
          clockOffsetCell(c),
          uncertaintyCell(c),
          String(c.samples),
          e(c.method),
        ]),
      ) || emptyNote('Only one node clock: nothing to correct.'),
    annotations:
      table(
        ['Severity', 'On', 'Note', 'Tag', 'Source', 'Updated'],
        r.annotations.map((a) => [
          sev(a.severity),
          clipped(a.target) + (a.attached ? '' : '<br><em>capture changed: not tied to a packet</em>'),
          noteText(a.text),
          a.tag ? `<code>${clipped(a.tag)}</code>` : '',
          e(a.source),
          e(a.updated),
        ]),
      ) || emptyNote('No annotations.'),
  };
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${e(r.generator)}">
<title>${e(r.title, 200)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${e(r.title, 200)}</h1><p class="meta">Generated ${e(r.generatedAt)} by ${e(r.generator)}. Report format ${e(r.schema)} ${r.version}.</p></header>
<nav><ol>${sections.map(([id, title]) => `<li><a href="#${id}">${e(title)}</a></li>`).join('')}</ol></nav>
${sections.map(([id, title]) => `<section id="${id}"><h2>${e(title)}</h2>\n${body[id]}\n</section>`).join('\n')}
</body>
</html>
`;
}
