// Plain-text renderings of an analysis for the terminal (CLI `topology` and `follow`), worded by
// common/text.ts like the app and the reports. Capture content is untrusted: control characters are
// replaced before printing.

import {
  clean,
  cleanBlock,
  direction,
  duration,
  endpoint,
  natText,
  encapText,
  signedDuration,
  tunnelText,
  unknownLines,
} from '../../common/text';
import type { Analysis } from './analyze';
import type { AnalysisData, CapturePoint, ClusterNode, Journey } from './types';

/** Rows in aligned columns; `notes[i]`, when given, are lines printed under row i, indented further (why a fact of it is unknown). */
export function table(rows: readonly (readonly string[])[], indent = '  ', notes: readonly (readonly string[])[] = []): string {
  const w: number[] = [];
  for (const r of rows) r.forEach((c, i) => (w[i] = Math.max(w[i] ?? 0, c.length)));
  return rows
    .flatMap((r, k) => [
      indent +
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i])))
          .join('  ')
          .trimEnd(),
      ...(notes[k] ?? []).map((n) => `${indent}  ${n}`),
    ])
    .join('\n');
}

/** A VTEP's MACs one after the other: 'aa:…:00 (00:13:01.976-00:13:01.982), then aa:…:99 (00:13:06.091-00:13:07.099)'. */
function vtepMacsText(macs: NonNullable<ClusterNode['vtepMacs']>): string {
  const at = (sec: number) => new Date(sec * 1000).toISOString().slice(11, 23);
  return macs.map((m) => `${m.mac} (${at(m.first)}-${at(m.last)})`).join(', then ');
}

/** UTC wall time with nanoseconds from the analysis epoch and a ns offset. */
export function wallTime(epochSec: number, ns: number): string {
  const sec = epochSec + Math.floor(ns / 1e9);
  const frac = Math.round(ns - Math.floor(ns / 1e9) * 1e9);
  const d = new Date(sec * 1000);
  return `${d.toISOString().slice(11, 19)}.${String(frac).padStart(9, '0')}`;
}

export function formatTopology(a: Analysis, maxFlows = 30): string {
  const out: string[] = [];
  const m = a.model;
  out.push(`Captures: ${a.captures.length} files, ${a.packetCount} packets`);
  out.push(
    table(
      a.points.map((p) => [
        clean(p.id),
        p.node ?? 'unknown',
        clean(interfaceText(p)),
        p.kind,
        `(${[p.nodeSource, p.kindSource].filter((x, i, l) => l.indexOf(x) === i).join('/')})`,
        `${p.packetCount} pkts`,
      ]),
      '  ',
      a.points.map((p) => unknownLines(p.unknown)),
    ),
  );
  for (const c of a.captures) for (const e of c.errors) out.push(`  ! ${clean(c.id)}: ${clean(e.message)}`);
  // A readable capture that holds no packet has no capture point: still listed, as read.
  for (const c of a.captures) if (c.packetCount === 0 && !c.errors.length) out.push(`  - ${clean(c.id)}: no packets (${c.format})`);
  out.push('', `Nodes (${m.nodes.length})`);
  out.push(
    table(
      m.nodes.map((n) => [
        clean(n.id),
        n.underlayIps.join(',') || (n.unknown?.underlayIps ? 'address unknown' : '-'),
        n.underlayMacs.join(',') || (n.unknown?.underlayMacs ? 'MAC unknown' : '-'),
        `pods ${n.podCidr ?? 'unknown'}`,
        n.vtepMac || n.vtepIp || n.unknown?.vtepMac || n.unknown?.vtepIp
          ? `vtep ${n.vtepMacs ? vtepMacsText(n.vtepMacs) : (n.vtepMac ?? (n.unknown?.vtepMac ? 'MAC unknown' : '-'))}${n.vtepIp ? ` ${n.vtepIp}` : ''}`
          : '',
      ]),
      '  ',
      m.nodes.map((n) => unknownLines(n.unknown)),
    ),
  );
  out.push('', `Bridges (${m.bridges.length})`);
  out.push(
    table(
      m.bridges.map((b) => [clean(b.id), `gateway ${b.gatewayIp ?? 'unknown'}`, b.gatewayMac ?? 'MAC unknown']),
      '  ',
      m.bridges.map((b) => unknownLines(b.unknown)),
    ),
  );
  out.push('', `Pods (${m.pods.length})`);
  out.push(
    table(
      m.pods.map((p) => [
        p.ip,
        p.mac ?? 'MAC unknown',
        p.node ?? 'node unknown',
        p.veth ? clean(p.veth) : 'veth unknown',
        [
          p.name ? clean(p.namespace ? `${p.namespace}/${p.name}` : p.name) : '',
          p.ownPoints?.length ? clean(`captured inside: ${p.ownPoints.join(', ')}`) : '',
          ...(p.earlier ?? []).map((e) => `before: ${e.veth ? clean(e.veth) : 'veth unknown'} ${e.mac ?? '-'}`),
        ]
          .filter(Boolean)
          .join('  '),
      ]),
      '  ',
      m.pods.map((p) => unknownLines(p.unknown)),
    ),
  );
  const vethsWithoutPod = m.veths.filter((v) => v.pod === null);
  if (vethsWithoutPod.length) out.push(`  veths with no pod traffic: ${vethsWithoutPod.map((v) => clean(v.id)).join(', ')}`);
  out.push('', `Tunnels (${m.tunnels.length})`);
  out.push(table(m.tunnels.map((t) => [`${clean(t.nodes[0])} ~ ${clean(t.nodes[1])}`, tunnelText(t), `${t.packets} pkts`])));
  out.push('', `Services (${m.services.length})`);
  out.push(
    table(
      m.services.map((s) => [
        s.id,
        '→',
        s.backends.map((b) => endpoint(b.ip, b.port)).join(', '),
        `NAT on ${s.natNodes.join(', ') || 'an unknown node'}`,
        s.name ? clean(`${s.namespace}/${s.name}`) : '',
      ]),
      '  ',
      m.services.map((s) => unknownLines(s.unknown)),
    ),
  );
  out.push('', 'Clock offsets');
  out.push(
    table(
      a.clockOffsets.map((o) => [
        clean(o.node),
        o.method === 'reference' ? 'reference' : o.method === 'none' ? 'unknown' : `${signedDuration(o.offsetNs)} vs ${clean(o.reference)}`,
        o.uncertaintyNs !== null ? `± ${duration(Math.abs(o.uncertaintyNs))}` : o.method === 'none' ? '' : 'not pinned down',
        o.method === 'none' ? 'no packet seen both here and on a timed node' : `${o.method}, ${o.samples} samples`,
        o.method === 'reference' || o.method === 'none' ? '' : `allowed ${interval(o.lowerNs ?? null, o.upperNs ?? null)}`,
      ]),
    ),
  );
  const flows = [...a.flows].sort((x, y) => y.aToB.packets + y.bToA.packets - (x.aToB.packets + x.bToA.packets)).slice(0, maxFlows);
  out.push('', `Flows (${a.flows.length}${a.flows.length > maxFlows ? `, top ${maxFlows}` : ''})`);
  out.push(
    table(
      flows.map((f) => [
        f.id,
        `${f.aToB.packets}/${f.bToA.packets} pkts`,
        `${f.aToB.bytes}/${f.bToA.bytes} B`,
        f.tcp ? f.tcp.state : '',
        f.natPeers.length ? `NAT: ${f.natPeers.join(', ')}` : '',
      ]),
    ),
  );
  out.push('', `Journeys: ${a.journeys.count}`);
  out.push('', `Findings (${a.findings.length})`);
  for (const f of a.findings) out.push(`  [${f.severity}] ${f.code}: ${clean(f.message)}`);
  return cleanBlock(out.join('\n')) + '\n';
}

/** A point's interface: 'eth0', or 'eth0 in pod web-0' for a capture taken inside a pod ('if7 in pod web-0', 'interface in pod web-0' when no name is known). */
function interfaceText(p: Pick<CapturePoint, 'interface' | 'ifindex' | 'pod'>): string {
  if (!p.pod) return p.interface ?? 'unknown';
  return `${p.interface ?? (p.ifindex !== null ? `if${p.ifindex}` : 'interface')} in pod ${p.pod}`;
}

/**
 * Why a hop's node, interface name or kind is unknown (its capture point's reasons), once per point:
 * 'hop 3: node unknown: it could be on node1 or node2: …'.
 */
export function hopUnknowns(a: Pick<AnalysisData, 'points'>, j: Pick<Journey, 'hops'>): string[] {
  const pointById = new Map(a.points.map((p) => [p.id, p]));
  const seen = new Set<string>();
  return j.hops.flatMap((h) => {
    if (seen.has(h.point)) return [];
    seen.add(h.point);
    return unknownLines(pointById.get(h.point)?.unknown).map((l) => `hop ${h.index + 1}: ${l}`);
  });
}

/** A hop's interface: its point's, or the end of the point's id when nothing names it. */
function hopInterface(a: Analysis, h: Journey['hops'][number]): string {
  const p = a.points.find((x) => x.id === h.point);
  if (p?.pod) return interfaceText(p);
  return h.interface ?? h.point.slice(h.point.lastIndexOf('#') + 1);
}

/** '[-3.0 µs .. +5.0 µs]', with '…' on an unbounded side. */
function interval(lo: number | null, hi: number | null): string {
  return `[${lo === null ? '…' : signedDuration(lo)} .. ${hi === null ? '…' : signedDuration(hi)}]`;
}

/** A hop's latency: exact, with the range the clocks allow, or '?' when the correction cannot time it. */
function latencyText(h: Journey['hops'][number]): string {
  if (h.latencyNs === null) return h.index === 0 ? '-' : '?';
  const r = h.latencyRangeNs;
  if (!r) return signedDuration(h.latencyNs);
  return `${signedDuration(h.latencyNs)} (${duration(Math.abs(r[0]))}..${r[1] === null ? '?' : duration(Math.abs(r[1]))})`;
}

export function formatJourney(a: Analysis, j: Journey): string {
  const h0 = j.hops[0].headers;
  const head = `Journey ${j.id}: ${h0.protocol} ${direction(h0)} ${clean(h0.info)}  ${j.status.toUpperCase()}  ${j.hops.length} hops, ${duration(Math.abs(j.totalLatencyNs))}`;
  const rows: string[][] = [['#', 'node', 'interface', 'kind', 'time (corrected)', 'latency', 'TTL', 'packet', 'as seen there']];
  for (const h of j.hops) {
    const x = h.headers;
    const enc = x.encap ? ` in ${encapText(x.encap)}` : '';
    const nat = h.nat ? ` [${h.nat.kind.toUpperCase()}]` : '';
    rows.push([
      String(h.index + 1),
      h.node ?? 'unknown',
      clean(hopInterface(a, h)),
      h.kind,
      h.noTime ? 'no timestamp' : wallTime(a.epochSec, h.correctedNs),
      latencyText(h),
      `${x.ttl}${h.ttlDelta ? ` (${h.ttlDelta})` : ''}`,
      clean(`${h.packet.capture}#${h.packet.index + 1}`),
      `${direction(x)}${enc}${nat}${h.problems.length ? ` !${h.problems.join(',')}` : ''}`,
    ]);
  }
  const out = [head, table(rows)];
  for (const n of j.nat) out.push(`  NAT: ${natText(n)}, between ${clean(n.between[0])} and ${clean(n.between[1])}`);
  const place = (afterHop: number) => (afterHop < 0 ? 'before hop 1' : `after hop ${afterHop + 1}`);
  for (const g of j.gaps) out.push(`  ${g.point ? 'MISSING' : 'gap'} ${place(g.afterHop)}: ${clean(g.reason)}`);
  for (const o of j.offloaded ?? []) out.push(`  IN PIECES ${place(o.afterHop)}: ${clean(o.reason)}`);
  for (const m of j.mtu) out.push(`  MTU: ${clean(m.message)}`);
  if (j.status === 'dropped')
    out.push(
      `  DROPPED: last seen at hop ${j.lastSeen.index + 1}, ${j.lastSeen.node ?? 'unknown node'} ${clean(j.lastSeen.interface ?? j.lastSeen.point)}`,
    );
  for (const line of hopUnknowns(a, j)) out.push(`  ${line}`);
  if (j.verdict) out.push(`  verdict (${j.verdict.code}): ${clean(j.verdict.reason)}`);
  for (const h of j.hops) if (h.latencyNote) out.push(`  latency at hop ${h.index + 1}: ${clean(h.latencyNote)}`);
  const nodes = new Set(j.hops.map((h) => h.node));
  for (const o of a.clockOffsets) {
    if (!nodes.has(o.node) || o.method === 'reference') continue;
    if (o.method === 'two-way') {
      if (Math.abs(o.offsetNs) < 100_000) continue;
      out.push(
        `  clock: ${clean(o.node)} times corrected by ${signedDuration(-o.offsetNs)} (its clock runs ${duration(Math.abs(o.offsetNs))} ${o.offsetNs > 0 ? 'ahead of' : 'behind'} ${clean(o.reference)}'s, ± ${duration(Math.abs(o.uncertaintyNs ?? 0))})`,
      );
    } else {
      out.push(`  clock: ${clean(o.node)} against ${clean(o.reference)}: ${clean(o.note ?? 'not pinned down')}`);
    }
  }
  return cleanBlock(out.join('\n')) + '\n';
}
