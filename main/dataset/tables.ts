// The analysis tables of a dataset (`captures`, `points`, `nodes`, `node_addresses`, `address_nodes`, `pods`,
// `services`, `flows`, `journeys`, `hops`, `findings`, `clock_offsets`): the in-process analysis
// (main/topology) flattened to rows, one Parquet file each. Every table has a fixed schema (written
// even when empty), so SQL over a dataset never depends on what one capture set happened to hold.
// Rows go to DuckDB as newline-delimited JSON read with that schema, then COPY to Parquet.

import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Analysis } from '../topology/analyze';
import type { Journey } from '../topology/types';
import { cidr6, cidr6Contains, cidrContains, parseCidr4, parseIp6 } from '../topology/addr';
import { formatPacketRef } from '../topology/select';
import type { PacketRef } from '../topology/types';
import { sqlString } from './duck';

type Row = Record<string, string | number | boolean | null>;
interface TableSpec {
  readonly columns: readonly (readonly [string, string])[];
  readonly rows: Iterable<Row>;
}

const refs = (ps: readonly PacketRef[]) => ps.map(formatPacketRef).join(' ');
/** Absolute nanoseconds as exact decimal text (past 2^53: JSON numbers would round). */
const absNs = (epochSec: number, tNs: number) => (BigInt(epochSec) * 1_000_000_000n + BigInt(Math.round(tNs))).toString();

function journeyRow(j: Journey, ns: (t: number) => string): Row {
  return {
    id: j.id,
    flow: j.flow,
    hops: j.hops.length,
    first_ns: ns(j.hops[0].tNs),
    status: j.status,
    verdict: j.verdict?.code ?? null,
    reason: j.verdict?.reason ?? null,
    last_point: j.lastSeen.point,
    last_capture: j.lastSeen.packet.capture,
    last_idx: j.lastSeen.packet.index,
    last_node: j.lastSeen.node,
    nat: j.nat.map((n) => n.kind).join(',') || null,
    icmp_error: j.verdict?.icmpError ? formatPacketRef(j.verdict.icmpError.packet) : null,
    answered_by: j.verdict?.answeredBy ? formatPacketRef(j.verdict.answeredBy) : null,
    total_latency_ns: j.totalLatencyNs,
    problems: j.problems.join(',') || null,
  };
}

function hopRow(k: number, h: Journey['hops'][number], ns: (t: number) => string): Row {
  return {
    journey: k,
    hop: h.index,
    point: h.point,
    capture: h.packet.capture,
    idx: h.packet.index,
    node: h.node,
    interface: h.interface,
    kind: h.kind,
    t_ns: ns(h.tNs),
    corrected_ns: ns(h.correctedNs),
    latency_ns: h.latencyNs,
    ttl_delta: h.ttlDelta,
    nat: h.nat?.kind ?? null,
    src: h.headers.src,
    dst: h.headers.dst,
    sport: h.headers.srcPort,
    dport: h.headers.dstPort,
    encap: h.headers.encap?.type ?? null,
    problems: h.problems.join(',') || null,
  };
}

/**
 * Every inner address the set holds (sources and destinations) with the node that owns it as the
 * path finder decides it (hops.ts nodeOfAddr): its underlay address, else the node of the veth its
 * pod sits behind (when one node only), else the first node (in the model's order) whose pod block
 * contains it; NULL when none does. In a set of separate clusters, once per cluster that holds it,
 * among that cluster's nodes and pods (0: a set of one cluster). The SQL looks addresses up here for a journey's sending node and
 * its expected path instead of doing block arithmetic on IPv6 text, and tells an address outside
 * the cluster (NULL) from one the analysis never saw (absent: the tables came from another part of
 * the set).
 */
function* addressNodes(a: Analysis): Generator<Row> {
  const nodes = a.model.nodes.map((n) => ({
    id: n.id,
    cluster: n.cluster ?? 0,
    ips: new Set(n.underlayIps),
    v4: [...(n.podCidrs ?? (n.podCidr ? [n.podCidr] : [])), ...(a.workingBlocks.has(n.id) ? [a.workingBlocks.get(n.id)!] : [])]
      .map(parseCidr4)
      .filter((c) => c !== null),
    v6: (n.podCidrs ?? []).flatMap((c) => {
      const [base, len] = c.split('/');
      const b = base.includes(':') ? parseIp6(base) : null;
      return b && len !== undefined ? [cidr6(b, Number(len))] : [];
    }),
  }));
  // A pod behind a veth (both addresses of a dual-stack one), when on one node only.
  const behindVeth = new Map<string, string | null>();
  for (const p of a.model.pods) {
    if (!p.veth || !p.node) continue;
    const k = `${p.cluster ?? 0} ${p.ip}`;
    const had = behindVeth.get(k);
    behindVeth.set(k, had === undefined || had === p.node ? p.node : null);
  }
  const clusterOf = new Map(nodes.map((n) => [n.id, n.cluster]));
  const t = a.table;
  const seen = new Set<string>();
  for (let r = 0; r < t.count; r++) {
    const v = t.innerVer[r];
    if (v !== 4 && v !== 6) continue;
    const cluster = a.points[t.point[r]].cluster ?? 0;
    const here = cluster === 0 ? nodes : nodes.filter((n) => n.cluster === cluster);
    for (const x of [t.innerSrc[r], t.innerDst[r]]) {
      const ip = t.addr(v, x);
      const k = `${cluster} ${ip}`;
      if (seen.has(k)) continue;
      seen.add(k);
      let owner = here.find((n) => n.ips.has(ip))?.id ?? behindVeth.get(k) ?? undefined;
      if (!owner && v === 4) owner = here.find((n) => n.v4.some((c) => cidrContains(c, x)))?.id;
      if (!owner && v === 6) {
        const b = parseIp6(ip);
        if (b) owner = here.find((n) => n.v6.some((c) => cidr6Contains(c, b)))?.id;
      }
      // Unowned addresses too (node NULL): an address missing from the table is one the analysis never saw.
      // A node's own address in its pod block (its tunnel device's, its bridge's): which node, and where it holds it
      // (named with its cluster where two clusters' nodes hold it: Analysis.nodeOwn).
      const own = [a.nodeOwn.get(`${ip} (cluster ${cluster})`), a.nodeOwn.get(ip)].find(
        (o) => o !== undefined && (clusterOf.get(o.node) ?? 0) === cluster,
      );
      yield { ip, cluster, node: owner ?? null, own_node: own?.node ?? null, own: own?.at ?? null };
    }
  }
}

/**
 * The pod each veth point carries, as the path finder knows it (attribution's podIp / podIp6 /
 * podSide): its address (IPv4 when it has both), the IPv6 one of a dual-stack pod, and whether the
 * point is the pod's own interface captured inside it rather than the host's end of its veth.
 */
function podsOfPoints(a: Analysis): Map<string, { ip: string; ip6: string | null; side: boolean }> {
  const pointOfVeth = new Map(a.model.veths.map((v) => [v.id, v.point]));
  const ips = new Map<string, { ips: string[]; side: boolean }>();
  const add = (point: string, ip: string, side: boolean) => {
    const x = ips.get(point) ?? ips.set(point, { ips: [], side }).get(point)!;
    if (!x.ips.includes(ip)) x.ips.push(ip);
  };
  for (const p of a.model.pods) {
    const host = p.veth ? pointOfVeth.get(p.veth) : undefined;
    if (host) add(host, p.ip, false);
    for (const own of p.ownPoints ?? []) add(own, p.ip, true);
  }
  const out = new Map<string, { ip: string; ip6: string | null; side: boolean }>();
  for (const [point, x] of ips) {
    const v4 = x.ips.find((ip) => !ip.includes(':'));
    const v6 = x.ips.find((ip) => ip.includes(':'));
    out.set(point, { ip: v4 ?? v6!, ip6: v4 && v6 ? v6 : null, side: x.side });
  }
  return out;
}

/**
 * The tables made from the journeys, in one pass over them (each journey is built once: the
 * analysis builds them on demand): a row per journey, a row per hop, and each journey as the path
 * finder made it (journey_objects: what the app's follow view reads, main/dataset/model.ts).
 */
const JOURNEY_TABLES = {
  journeys: [
    ['id', 'BIGINT'],
    ['flow', 'VARCHAR'],
    ['hops', 'INTEGER'],
    ['first_ns', 'BIGINT'],
    ['status', 'VARCHAR'],
    ['verdict', 'VARCHAR'],
    ['reason', 'VARCHAR'],
    ['last_point', 'VARCHAR'],
    ['last_capture', 'VARCHAR'],
    ['last_idx', 'BIGINT'],
    ['last_node', 'VARCHAR'],
    ['nat', 'VARCHAR'],
    ['icmp_error', 'VARCHAR'],
    ['answered_by', 'VARCHAR'],
    ['total_latency_ns', 'DOUBLE'],
    ['problems', 'VARCHAR'],
  ] as const,
  hops: [
    ['journey', 'BIGINT'],
    ['hop', 'INTEGER'],
    ['point', 'VARCHAR'],
    ['capture', 'VARCHAR'],
    ['idx', 'BIGINT'],
    ['node', 'VARCHAR'],
    ['interface', 'VARCHAR'],
    ['kind', 'VARCHAR'],
    ['t_ns', 'BIGINT'],
    ['corrected_ns', 'BIGINT'],
    ['latency_ns', 'DOUBLE'],
    ['ttl_delta', 'INTEGER'],
    ['nat', 'VARCHAR'],
    ['src', 'VARCHAR'],
    ['dst', 'VARCHAR'],
    ['sport', 'INTEGER'],
    ['dport', 'INTEGER'],
    ['encap', 'VARCHAR'],
    ['problems', 'VARCHAR'],
  ] as const,
  journey_objects: [
    ['id', 'INTEGER'],
    ['json', 'VARCHAR'],
  ] as const,
};

/** Every analysis table: schema and rows. */
export function analysisTables(a: Analysis): Record<string, TableSpec> {
  const ns = (t: number) => absNs(a.epochSec, t);
  const pods = podsOfPoints(a);
  const m = a.model;
  // Each point's time span: a capture that was running when a packet passed it and did not see it.
  const spans = a.points.map(() => [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  const t = a.table;
  for (let r = 0; r < t.count; r++) {
    const s = spans[t.point[r]];
    if (t.tNs[r] < s[0]) s[0] = t.tNs[r];
    if (t.tNs[r] > s[1]) s[1] = t.tNs[r];
  }
  return {
    captures: {
      columns: [
        ['id', 'VARCHAR'],
        ['path', 'VARCHAR'],
        ['format', 'VARCHAR'],
        ['packet_count', 'BIGINT'],
        ['linktypes', 'VARCHAR'],
        ['first_ts', 'DOUBLE'],
        ['last_ts', 'DOUBLE'],
        ['errors', 'VARCHAR'],
        ['points', 'VARCHAR'],
      ],
      rows: a.captures.map((c) => ({
        id: c.id,
        path: c.path,
        format: c.format,
        packet_count: c.packetCount,
        linktypes: c.linktypes.join(','),
        first_ts: c.firstTs,
        last_ts: c.lastTs,
        errors: c.errors.map((e) => `${e.code}@${e.offset}: ${e.message}`).join('; ') || null,
        points: c.points.join(','),
      })),
    },
    points: {
      columns: [
        ['id', 'VARCHAR'],
        ['capture', 'VARCHAR'],
        ['iface', 'INTEGER'],
        ['ifindex', 'INTEGER'],
        ['node', 'VARCHAR'],
        ['node_source', 'VARCHAR'],
        ['interface', 'VARCHAR'],
        ['interface_source', 'VARCHAR'],
        ['kind', 'VARCHAR'],
        ['kind_source', 'VARCHAR'],
        ['packet_count', 'BIGINT'],
        ['pod_ip', 'VARCHAR'],
        ['pod_ip6', 'VARCHAR'],
        ['pod_side', 'BOOLEAN'],
        ['twin_of', 'VARCHAR'],
        ['first_ns', 'BIGINT'],
        ['last_ns', 'BIGINT'],
        ['run_first_ns', 'BIGINT'],
        ['run_last_ns', 'BIGINT'],
        ['cluster', 'INTEGER'],
      ],
      rows: a.points
        .map((p, pi) => {
          const [first, last] = spans[pi];
          const [runFirst, runLast] = a.runSpans[pi];
          return {
            id: p.id,
            capture: p.capture,
            iface: p.iface,
            ifindex: p.ifindex,
            node: p.node,
            node_source: p.nodeSource,
            interface: p.interface,
            interface_source: p.interfaceSource,
            kind: p.kind,
            kind_source: p.kindSource,
            packet_count: p.packetCount,
            pod_ip: pods.get(p.id)?.ip ?? null,
            pod_ip6: pods.get(p.id)?.ip6 ?? null,
            pod_side: pods.get(p.id)?.side ?? false,
            twin_of: p.twinOf ?? null,
            first_ns: Number.isFinite(first) ? ns(first) : null,
            last_ns: Number.isFinite(last) ? ns(last) : null,
            run_first_ns: Number.isFinite(runFirst) ? ns(runFirst) : null,
            run_last_ns: Number.isFinite(runLast) ? ns(runLast) : null,
            cluster: p.cluster ?? 0,
          };
        })
        .concat(
          // A file with no packet named after a node and an interface: no packet row names it, but the
          // path finder takes it as a capture of that interface that ran with its node's others.
          a.emptyPoints.map((x) => ({
            id: x.id,
            capture: x.id,
            iface: null,
            ifindex: null,
            node: x.node,
            node_source: 'file-name',
            interface: x.interface,
            interface_source: 'file-name',
            kind: x.kind,
            kind_source: 'file-name',
            packet_count: 0,
            pod_ip: null,
            pod_ip6: null,
            pod_side: false,
            twin_of: null,
            first_ns: null,
            last_ns: null,
            run_first_ns: ns(x.runSpan[0]),
            run_last_ns: ns(x.runSpan[1]),
            cluster: x.cluster ?? 0,
          })),
        ),
    },
    nodes: {
      columns: [
        ['id', 'VARCHAR'],
        ['name', 'VARCHAR'],
        ['underlay_ips', 'VARCHAR'],
        ['pod_cidrs', 'VARCHAR'],
        ['vtep_mac', 'VARCHAR'],
        ['vtep_ip', 'VARCHAR'],
        ['points', 'VARCHAR'],
      ],
      rows: m.nodes.map((n) => ({
        id: n.id,
        name: n.name,
        underlay_ips: n.underlayIps.join(','),
        pod_cidrs: (n.podCidrs ?? (n.podCidr ? [n.podCidr] : [])).join(','),
        vtep_mac: n.vtepMac,
        vtep_ip: n.vtepIp,
        points: n.points.join(','),
      })),
    },
    node_addresses: {
      columns: [
        ['node', 'VARCHAR'],
        ['ip', 'VARCHAR'],
      ],
      rows: m.nodes.flatMap((n) => n.underlayIps.map((ip) => ({ node: n.id, ip }))),
    },
    address_nodes: {
      columns: [
        ['ip', 'VARCHAR'],
        ['cluster', 'INTEGER'],
        ['node', 'VARCHAR'],
        ['own_node', 'VARCHAR'],
        ['own', 'VARCHAR'],
      ],
      rows: addressNodes(a),
    },
    pods: {
      columns: [
        ['id', 'VARCHAR'],
        ['ip', 'VARCHAR'],
        ['mac', 'VARCHAR'],
        ['node', 'VARCHAR'],
        ['veth', 'VARCHAR'],
        ['name', 'VARCHAR'],
        ['namespace', 'VARCHAR'],
        ['cluster', 'INTEGER'],
      ],
      rows: m.pods.map((p) => ({
        id: p.id,
        ip: p.ip,
        mac: p.mac,
        node: p.node,
        veth: p.veth,
        name: p.name,
        namespace: p.namespace,
        cluster: p.cluster ?? 0,
      })),
    },
    services: {
      columns: [
        ['id', 'VARCHAR'],
        ['ip', 'VARCHAR'],
        ['port', 'INTEGER'],
        ['protocol', 'VARCHAR'],
        ['backends', 'VARCHAR'],
        ['nat_nodes', 'VARCHAR'],
        ['name', 'VARCHAR'],
        ['namespace', 'VARCHAR'],
      ],
      rows: m.services.map((s) => ({
        id: s.id,
        ip: s.ip,
        port: s.port,
        protocol: s.protocol,
        backends: s.backends.map((b) => (b.port === null ? b.ip : `${b.ip}:${b.port}`)).join(','),
        nat_nodes: s.natNodes.join(','),
        name: s.name,
        namespace: s.namespace,
      })),
    },
    flows: {
      columns: [
        ['id', 'VARCHAR'],
        ['protocol', 'VARCHAR'],
        ['proto', 'INTEGER'],
        ['a_ip', 'VARCHAR'],
        ['a_port', 'INTEGER'],
        ['b_ip', 'VARCHAR'],
        ['b_port', 'INTEGER'],
        ['first_ts', 'DOUBLE'],
        ['last_ts', 'DOUBLE'],
        ['a_to_b_packets', 'BIGINT'],
        ['a_to_b_bytes', 'BIGINT'],
        ['b_to_a_packets', 'BIGINT'],
        ['b_to_a_bytes', 'BIGINT'],
        ['tcp_state', 'VARCHAR'],
        ['retransmissions', 'INTEGER'],
        ['nat_peers', 'VARCHAR'],
        ['journey_count', 'BIGINT'],
        ['community_id', 'VARCHAR'],
      ],
      rows: a.flows.map((f) => ({
        id: f.id,
        protocol: f.protocol,
        proto: f.protoNumber,
        a_ip: f.a.ip,
        a_port: f.a.port,
        b_ip: f.b.ip,
        b_port: f.b.port,
        first_ts: f.firstTs,
        last_ts: f.lastTs,
        a_to_b_packets: f.aToB.packets,
        a_to_b_bytes: f.aToB.bytes,
        b_to_a_packets: f.bToA.packets,
        b_to_a_bytes: f.bToA.bytes,
        tcp_state: f.tcp?.state ?? null,
        retransmissions: f.tcp?.retransmissions ?? null,
        nat_peers: f.natPeers.join(',') || null,
        journey_count: f.journeyCount,
        community_id: f.communityId ?? null,
      })),
    },
    findings: {
      columns: [
        ['code', 'VARCHAR'],
        ['severity', 'VARCHAR'],
        ['message', 'VARCHAR'],
        ['flow', 'VARCHAR'],
        ['journey', 'BIGINT'],
        ['node', 'VARCHAR'],
        ['packets', 'VARCHAR'],
      ],
      rows: a.findings.map((f) => ({
        code: f.code,
        severity: f.severity,
        message: f.message,
        flow: f.flow ?? null,
        journey: f.journey ?? null,
        node: f.node ?? null,
        packets: refs(f.packets),
      })),
    },
    clock_offsets: {
      columns: [
        ['node', 'VARCHAR'],
        ['reference', 'VARCHAR'],
        ['offset_ns', 'DOUBLE'],
        ['uncertainty_ns', 'DOUBLE'],
        ['lower_ns', 'DOUBLE'],
        ['upper_ns', 'DOUBLE'],
        ['samples', 'INTEGER'],
        ['method', 'VARCHAR'],
        ['pinned', 'BOOLEAN'],
      ],
      rows: a.clockOffsets.map((c) => ({
        node: c.node,
        reference: c.reference,
        offset_ns: c.offsetNs,
        uncertainty_ns: c.uncertaintyNs,
        lower_ns: c.lowerNs ?? null,
        upper_ns: c.upperNs ?? null,
        samples: c.samples,
        method: c.method,
        pinned: c.pinned ?? null,
      })),
    },
  };
}

/** Lines to a file, written in large pieces as they come (a table's rows never all in memory as text). */
class LineFile {
  private readonly fd: number;
  private parts: string[] = [];
  private size = 0;
  lines = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  push(line: string): void {
    this.parts.push(line);
    this.size += line.length;
    this.lines++;
    if (this.size >= 1 << 22) this.flush();
  }

  private flush(): void {
    if (this.parts.length) writeSync(this.fd, `${this.parts.join('\n')}\n`);
    this.parts = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

type Columns = readonly (readonly [string, string])[];

/** The rows of `f` (newline-delimited JSON objects) read with the table's schema; an empty table when none. */
function jsonSource(f: LineFile, columns: Columns): string {
  const cols = `{${columns.map(([c, ty]) => `${sqlString(c)}: ${sqlString(ty)}`).join(', ')}}`;
  return f.lines
    ? `SELECT * FROM read_json(${sqlString(f.path)}, format = 'newline_delimited', columns = ${cols})`
    : `SELECT ${columns.map(([c, ty]) => `CAST(NULL AS ${ty}) AS "${c}"`).join(', ')} WHERE false`;
}

async function copyTo(db: DuckDBConnection, src: string, dir: string, name: string): Promise<void> {
  const out = join(dir, `${name}.parquet`);
  await db.run(`COPY (${src}) TO ${sqlString(`${out}.tmp`)} (FORMAT parquet, COMPRESSION zstd)`);
  await rename(`${out}.tmp`, out);
}

/** Writes every analysis table as `<dir>/<name>.parquet`. Returns the row count of each. */
export async function writeAnalysisTables(db: DuckDBConnection, a: Analysis, dir: string): Promise<Record<string, number>> {
  const tmp = await mkdtemp(join(tmpdir(), 'tunnelvision-dataset-'));
  const counts: Record<string, number> = {};
  try {
    for (const [name, spec] of Object.entries(analysisTables(a))) {
      const f = new LineFile(join(tmp, `${name}.json`));
      for (const r of spec.rows) f.push(JSON.stringify(r));
      f.close();
      await copyTo(db, jsonSource(f, spec.columns), dir, name);
      counts[name] = f.lines;
    }
    const ns = (t: number) => absNs(a.epochSec, t);
    const journeys = new LineFile(join(tmp, 'journeys.json'));
    const hops = new LineFile(join(tmp, 'hops.json'));
    // The objects (kilobytes of JSON each) go through an appender: cheaper than a file DuckDB parses again.
    await db.run(
      `CREATE OR REPLACE TEMP TABLE journey_objects (${JOURNEY_TABLES.journey_objects.map(([c, ty]) => `${c} ${ty}`).join(', ')})`,
    );
    const objects = await db.createAppender('journey_objects');
    for (let k = 0; k < a.journeys.count; k++) {
      const j = a.journeys.get(k);
      journeys.push(JSON.stringify(journeyRow(j, ns)));
      for (const h of j.hops) hops.push(JSON.stringify(hopRow(k, h, ns)));
      objects.appendInteger(j.id);
      objects.appendVarchar(JSON.stringify(j));
      objects.endRow();
    }
    objects.closeSync();
    journeys.close();
    hops.close();
    await copyTo(db, jsonSource(journeys, JOURNEY_TABLES.journeys), dir, 'journeys');
    await copyTo(db, jsonSource(hops, JOURNEY_TABLES.hops), dir, 'hops');
    await copyTo(db, 'FROM journey_objects', dir, 'journey_objects');
    await db.run('DROP TABLE journey_objects');
    counts.journeys = journeys.lines;
    counts.hops = hops.lines;
    counts.journey_objects = a.journeys.count;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return counts;
}
