// Markdown report: the same content as the HTML one, for a ticket or a pull request. Every string goes
// through escape.ts (mdText / mdCell / mdBlock / mdCode), so nothing from a capture becomes a link, an
// image, HTML or table structure. The cluster graph is an outline here, plus an optional image link to
// the SVG the CLI writes beside the file.
import { mdBlock, mdCell, mdCode, mdText } from './escape';
import {
  hopsAndPieces,
  hopTimeCell,
  hopTimeTitle,
  latencyCell,
  listedLinks,
  offsetCell,
  piecesPackets,
  clockOffsetCell,
  clockReferenceCell,
  uncertaintyCell,
  type ReportAnnotation,
  type ReportGraphNode,
  type ReportJourney,
  type ReportModel,
  type ReportPacket,
} from './model';
import { duration } from '../../common/text';

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  if (!rows.length) return '';
  return (
    [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n') + '\n'
  );
}

const notes = (ids: readonly string[], byId: Map<string, ReportAnnotation>): string =>
  ids
    .map((id) => byId.get(id))
    .filter((a): a is ReportAnnotation => !!a)
    .map(
      (a) =>
        `> **${a.severity}**${a.tag ? ` ${mdCode(a.tag, 200)}` : ''}: ${mdBlock(a.text).split('  \n').join('  \n> ')}${a.attached ? '' : ' _(capture changed: not tied to a packet)_'}\n`,
    )
    .join('>\n');

function journeyMd(j: ReportJourney, byId: Map<string, ReportAnnotation>): string {
  const out = [
    `#### Journey ${j.id}: ${mdText(j.status)}, last seen at ${mdText(j.lastSeen)}, ${duration(j.totalLatencyMs * 1e6)} end to end\n`,
  ];
  out.push(
    table(
      [
        '#',
        'Packet',
        'Node',
        'Interface',
        mdCell(hopTimeTitle(j.hops)),
        'As captured (UTC)',
        'At (ms)',
        'Δ (ms)',
        'TTL',
        'Inner src → dst',
        'Encapsulation',
        'NAT',
        'Info',
      ],
      // A place it crossed only in pieces is a row of its own between the hops, its reason in Info.
      hopsAndPieces(j).map((x) => {
        if ('pieces' in x) {
          const o = x.pieces;
          const none = Array.from({ length: 8 }, () => ' ');
          return [
            'in pieces',
            mdCell(piecesPackets(o)),
            mdCell(o.node ?? 'unknown'),
            mdCell(`${o.interface ?? o.point} (${o.kind})`),
            ...none,
            mdCell(`in pieces: ${o.reason}`),
          ];
        }
        const h = x.hop;
        return [
          String(h.index + 1),
          mdCell(h.packet),
          mdCell(h.node ?? 'unknown'),
          mdCell(`${h.interface ?? h.point} (${h.kind})`),
          mdCell(hopTimeCell(h, j.hops)),
          mdCell(h.time),
          offsetCell(h),
          latencyCell(h) || ' ',
          `${h.ttl}${h.ttlDelta ? ` (${h.ttlDelta > 0 ? '+' : ''}${h.ttlDelta})` : ''}`,
          mdCell(`${h.src} → ${h.dst}`),
          mdCell(h.encap ?? ''),
          mdCell(h.nat ?? ''),
          mdCell([h.info, ...h.problems].join(' ') + (h.annotations.length ? ' ✎' : '')),
        ];
      }),
    ),
  );
  for (const h of j.hops) {
    if (h.annotations.length)
      out.push(
        `Hop ${h.index + 1} (${mdText(h.node ?? 'unknown node')} ${mdText(h.interface ?? h.point)}):\n\n${notes(h.annotations, byId)}`,
      );
  }
  if (j.verdict) out.push(`- verdict: ${mdText(j.verdict)}`);
  for (const c of j.clockNotes ?? []) out.push(`- latency at ${mdText(c)}`);
  for (const g of j.gaps) out.push(`- gap: ${mdText(g)}`);
  for (const n of j.nat) out.push(`- NAT: ${mdText(n)}`);
  for (const m of j.mtu) out.push(`- MTU: ${mdText(m)}`);
  for (const p of j.problems) out.push(`- problem: ${mdText(p)}`);
  return out.join('\n') + '\n';
}

function packetMd(p: ReportPacket, byId: Map<string, ReportAnnotation>): string {
  const out = [
    `### ${mdCode(p.ref)} ${mdText(p.protocol)}: ${mdText(p.info, 300)}\n`,
    `${mdText(p.time)} · ${mdText(p.node ?? 'unknown node')} ${mdText(p.interface ?? '')} · ${p.length} bytes${p.anomalies.length ? ` · ${p.anomalies.map((a) => mdText(a)).join('; ')}` : ''}\n`,
  ];
  const n = notes(p.annotations, byId);
  if (n) out.push(n);
  if (p.unavailable) {
    out.push(`**${mdText(p.unavailable)}**\n`);
    return out.join('\n');
  }
  // Side by side: one column per encapsulation level, one row per field position.
  const cols = p.levels.map((l) =>
    l.layers.flatMap((ly) => [
      `**${mdText(ly.name, 120)}**`,
      ...ly.fields.map(
        (f) => `${'· '.repeat(Math.min(f.depth, 3))}${mdText(f.label, 80)}: ${mdText(f.value, 200)}${f.differs ? ' **≠**' : ''}`,
      ),
    ]),
  );
  const rows = Math.max(0, ...cols.map((c) => c.length));
  out.push(
    table(
      p.levels.map((l) => mdText(l.title)),
      Array.from({ length: rows }, (_, i) => cols.map((c) => c[i] ?? ' ')),
    ),
  );
  return out.join('\n');
}

export function renderMarkdown(r: ReportModel, opts: { graphImage?: string } = {}): string {
  const byId = new Map(r.annotations.map((a) => [a.id, a]));
  const s = r.summary;
  const out: string[] = [];
  out.push(
    `# ${mdText(r.title, 200)}\n`,
    `_Generated ${mdText(r.generatedAt)} by ${mdText(r.generator)}. Report format ${r.schema} ${r.version}._\n`,
  );

  out.push('## Summary\n');
  out.push(
    `- ${s.captures} captures, ${s.packets} packets`,
    `- ${s.nodes} nodes, ${s.pods} pods, ${s.services} services, ${s.tunnels} tunnels`,
    `- ${s.flows} flows, ${s.journeys} journeys`,
  );
  out.push(
    `- ${s.findings.problem} problems, ${s.findings.warning} warnings, ${s.findings.info} notes found; ${s.annotations} annotations`,
  );
  if (r.session.file) out.push(`- Session: ${mdCode(r.session.file)}`);
  if (r.session.filter) out.push(`- Filter: ${mdCode(r.session.filter)}`);
  if (r.session.decodeAs.length)
    out.push(`- Decode as: ${r.session.decodeAs.map((d) => mdCode(`${d.layer} ${d.port} → ${d.proto}`)).join(', ')}`);
  for (const w of r.session.warnings) out.push(`\n> **Warning:** ${mdText(w)}`);
  out.push('');

  out.push('## Capture inventory\n');
  out.push(
    table(
      ['Capture', 'Format', 'Packets', 'First packet (UTC)', 'Duration (s)', 'Taken on (node / interface / kind)', 'State', 'Errors'],
      r.captures.map((c) => [
        mdCell(c.file),
        mdCell(c.format),
        String(c.packets),
        mdCell(c.firstTime ?? ''),
        c.durationSec === null ? ' ' : c.durationSec.toFixed(3),
        mdCell(
          c.points
            .map(
              (p) =>
                `${p.node ?? 'unknown'} / ${p.interface ?? 'unknown'} / ${p.kind} (${p.source})${(p.unknown ?? []).map((u) => ` (${u})`).join('')}`,
            )
            .join('; '),
        ),
        mdCell(c.stateMessage ? `${c.state}: ${c.stateMessage}` : c.state),
        mdCell(c.errors.join('; ')),
      ]),
    ) || '_No captures._\n',
  );

  out.push('## Cluster graph\n');
  if (opts.graphImage)
    out.push(`![Cluster graph](${encodeURI(opts.graphImage).replace(/[()]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)})\n`);
  const boxes = r.graph.nodes.filter((n) => n.kind === 'node');
  // Why an element's unknown facts are unknown: a line of its own under it.
  const why = (n: ReportGraphNode, indent: string) => (n.unknown ?? []).map((u) => `${indent}  - ${mdText(u, 400)}`);
  for (const b of boxes) {
    out.push(`- **${mdText(b.label, 120)}** ${mdText(b.detail, 200)}${b.annotated ? ' ✎' : ''}`, ...why(b, ''));
    for (const c of r.graph.nodes.filter((n) => n.parent === b.id))
      out.push(`  - ${c.kind} ${mdText(c.label, 120)} ${mdText(c.detail, 200)}${c.annotated ? ' ✎' : ''}`, ...why(c, '  '));
  }
  for (const c of r.graph.nodes.filter((n) => n.kind !== 'node' && (n.parent === null || !boxes.some((b) => b.id === n.parent)))) {
    out.push(`- ${c.kind} ${mdText(c.label, 120)} ${mdText(c.detail, 200)}${c.annotated ? ' ✎' : ''}`, ...why(c, ''));
  }
  const links = listedLinks(r.graph);
  if (links.length) {
    out.push('');
    out.push(
      table(
        ['Tunnel / link', 'Between', 'Kind'],
        links.map((x) => [`${mdCell(x.label)}${x.annotated ? ' ✎' : ''}`, mdCell(x.between), x.kind]),
      ),
    );
  }
  if (!r.graph.nodes.length) out.push('_No cluster elements were inferred from these captures._');
  out.push('');

  out.push('## Findings\n');
  out.push(
    table(
      ['Severity', 'Finding', 'Message', 'Where', 'Packets'],
      r.findings.map((f) => [
        f.severity,
        mdCode(f.code),
        mdCell(f.message),
        mdCell(
          [f.node ? `node ${f.node}` : '', f.flow ? `flow ${f.flow}` : '', f.journey !== null ? `journey ${f.journey}` : '']
            .filter(Boolean)
            .join('; '),
        ),
        mdCell(f.packets.slice(0, 8).join(', ') + (f.packets.length > 8 ? ` … ${f.packets.length - 8} more` : '')),
      ]),
    ) || '_Nothing wrong was found._\n',
  );

  out.push('## Annotated flows\n');
  if (!r.flows.length) out.push('_No flow, hop or packet of a flow is annotated._\n');
  for (const f of r.flows) {
    out.push(`### ${mdText(f.id, 300)}\n`);
    out.push(
      `${mdText(f.protocol)} ${mdText(f.a)} ⇄ ${mdText(f.b)} · ${f.packets} packets, ${f.bytes} bytes · ${mdText(f.firstTime)} – ${mdText(f.lastTime)}${f.tcpState ? ` · TCP ${mdText(f.tcpState)}` : ''}${f.communityId ? ` · Community ID ${mdText(f.communityId)}` : ''}${
        f.natPeers.length ? ` · seen through NAT as ${f.natPeers.map((p) => mdText(p)).join(', ')}` : ''
      }\n`,
    );
    const n = notes(f.annotations, byId);
    if (n) out.push(n);
    for (const j of f.journeys) out.push(journeyMd(j, byId));
    if (f.journeysTotal > f.journeys.length)
      out.push(`_${f.journeysTotal - f.journeys.length} more journeys of this flow are not shown._\n`);
  }

  out.push('## Annotated packets\n');
  if (!r.packets.length) out.push('_No packet is annotated._\n');
  for (const p of r.packets) out.push(packetMd(p, byId));

  out.push('## Clock offsets\n');
  out.push(
    table(
      ['Node', 'Reference', 'Offset (ms)', '± (ms)', 'Samples', 'Method'],
      r.clockOffsets.map((c) => [
        mdCell(c.node),
        mdCell(clockReferenceCell(c)),
        clockOffsetCell(c),
        uncertaintyCell(c),
        String(c.samples),
        mdCell(c.method),
      ]),
    ) || '_Only one node clock: nothing to correct._\n',
  );

  out.push('## Annotations\n');
  out.push(
    table(
      ['Severity', 'On', 'Note', 'Tag', 'Source', 'Updated'],
      r.annotations.map((a) => [
        a.severity,
        mdCell(a.target + (a.attached ? '' : ' (capture changed: not tied to a packet)')),
        mdCell(a.text, 2000),
        a.tag ? mdCode(a.tag, 200).replace(/\|/g, '\\|') : ' ',
        a.source,
        mdCell(a.updated),
      ]),
    ) || '_No annotations._\n',
  );
  return out.join('\n') + '\n';
}
