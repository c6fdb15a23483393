// The display filter (common/filter.ts) as a SQL condition over a dataset's list table (app-source.ts):
// the same tree the capture-backed list compiles to a predicate over its columns
// (main/backend/columns.ts `resolver`), with each field read from the dataset's columns under the same
// rules (an absent value is NULL where the resolver gives NaN/null; `a != b` holds when the field is
// present and no occurrence equals b; strings compare without case). A field whose columns the
// dataset lacks is an error that names the field and the column, never a test that silently passes.

import { FIELDS, type CompareOp, type FieldSpec, type FilterNode, type FilterValue, type Level } from '../../common/filter';
import { BAD } from '../backend/columns';
import { sqlString } from './duck';

/** Why a filter cannot run on this dataset, with where the field stands in the filter text. */
export class FilterFieldError extends Error {
  constructor(
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
  }
}

/** A SQL expression and the list-table columns it reads. */
interface Slot {
  readonly sql: string;
  readonly needs: readonly string[];
}

const UDP_TUNNELS = `tunnel IN ('vxlan', 'flannel-udp', 'geneve', 'wireguard')`;
const s = (sql: string, ...needs: string[]): Slot => ({ sql, needs });
/** A packet with one IP header: its outer and inner levels are the same header. */
const lv = (level: Level, outer: Slot, inner: Slot): Slot =>
  level === 'outer'
    ? { sql: `CASE WHEN ip_count <= 1 THEN ${inner.sql} ELSE ${outer.sql} END`, needs: ['ip_count', ...outer.needs, ...inner.needs] }
    : inner;
const NONE = s('NULL');
const innerOnly = (inner: Slot) => (l: Level) => lv(l, NONE, inner);
const tcp = (col: string) => innerOnly(s(`CASE WHEN inner_proto = 6 THEN ${col} END`, 'inner_proto', col));
const tcpFlag = (bit: number) => (l: Level) =>
  lv(l, s('0'), s(`CASE WHEN inner_proto = 6 AND (tcp_flags & ${bit}) <> 0 THEN 1 ELSE 0 END`, 'inner_proto', 'tcp_flags'));
const tunnelIs = (name: string) => () => s(`CASE WHEN tunnel = ${sqlString(name)} THEN 1 ELSE 0 END`, 'tunnel');

/** Numeric slots (ip, number and bool fields): NULL where the resolver gives NaN. */
const NUMS: Record<string, (level: Level) => Slot> = {
  'ip.src': (l) => lv(l, s('outer_src4', 'outer_src4'), s('inner_src4', 'inner_src4')),
  'ip.dst': (l) => lv(l, s('outer_dst4', 'outer_dst4'), s('inner_dst4', 'inner_dst4')),
  'ip.proto': (l) => lv(l, s('outer_proto', 'outer_proto'), s('inner_proto', 'inner_proto')),
  'ip.ttl': (l) =>
    lv(
      l,
      s('CASE WHEN outer_ver IS NOT NULL THEN outer_ttl END', 'outer_ver', 'outer_ttl'),
      s('CASE WHEN inner_ver IS NOT NULL THEN inner_ttl END', 'inner_ver', 'inner_ttl'),
    ),
  'ip.id': innerOnly(s('CASE WHEN inner_ver = 4 THEN ip_id END', 'inner_ver', 'ip_id')),
  'ip.len': (l) =>
    lv(
      l,
      s('CASE WHEN outer_ver IS NOT NULL THEN outer_len END', 'outer_ver', 'outer_len'),
      s('CASE WHEN inner_ver IS NOT NULL THEN inner_len END', 'inner_ver', 'inner_len'),
    ),
  'tcp.srcport': tcp('sport'),
  'tcp.dstport': tcp('dport'),
  'tcp.seq': tcp('tcp_seq'),
  'tcp.ack': tcp('tcp_ack'),
  'tcp.window': tcp('tcp_win'),
  'tcp.flags': tcp('tcp_flags'),
  'tcp.flags.syn': tcpFlag(0x02),
  'tcp.flags.ack': tcpFlag(0x10),
  'tcp.flags.fin': tcpFlag(0x01),
  'tcp.flags.rst': tcpFlag(0x04),
  'udp.srcport': (l) =>
    lv(
      l,
      s(`CASE WHEN ${UDP_TUNNELS} THEN tun_sport END`, 'tunnel', 'tun_sport'),
      s('CASE WHEN inner_proto = 17 THEN sport END', 'inner_proto', 'sport'),
    ),
  'udp.dstport': (l) =>
    lv(
      l,
      s(`CASE WHEN ${UDP_TUNNELS} THEN tun_dport END`, 'tunnel', 'tun_dport'),
      s('CASE WHEN inner_proto = 17 THEN dport END', 'inner_proto', 'dport'),
    ),
  'icmp.type': innerOnly(s('icmp_type', 'icmp_type')),
  'icmp.code': innerOnly(s('icmp_code', 'icmp_code')),
  'vxlan.vni': () => s(`CASE WHEN tunnel = 'vxlan' THEN vni END`, 'tunnel', 'vni'),
  'geneve.vni': () => s(`CASE WHEN tunnel = 'geneve' THEN vni END`, 'tunnel', 'vni'),
  'frame.len': () => s('orig_len', 'orig_len'),
  'frame.cap_len': () => s('cap_len', 'cap_len'),
  'frame.number': () => s('no', 'no'),
  malformed: () => s(`CASE WHEN (flags & ${BAD}) <> 0 THEN 1 ELSE 0 END`, 'flags'),
  'has.eth': () => s('CASE WHEN outer_mac_src IS NOT NULL THEN 1 ELSE 0 END', 'outer_mac_src'),
  'has.arp': () => s(`CASE WHEN proto = 'arp' THEN 1 ELSE 0 END`, 'proto'),
  'has.dns': () => s(`CASE WHEN proto = 'dns' THEN 1 ELSE 0 END`, 'proto'),
  'has.ip': () => s('CASE WHEN outer_ver = 4 OR inner_ver = 4 THEN 1 ELSE 0 END', 'outer_ver', 'inner_ver'),
  'has.ipv6': () => s('CASE WHEN outer_ver = 6 OR inner_ver = 6 THEN 1 ELSE 0 END', 'outer_ver', 'inner_ver'),
  'has.tcp': () => s('CASE WHEN inner_proto = 6 THEN 1 ELSE 0 END', 'inner_proto'),
  'has.udp': () => s(`CASE WHEN inner_proto = 17 OR ${UDP_TUNNELS} THEN 1 ELSE 0 END`, 'inner_proto', 'tunnel'),
  'has.icmp': () => s('CASE WHEN inner_proto IN (1, 58) THEN 1 ELSE 0 END', 'inner_proto'),
  'has.vxlan': tunnelIs('vxlan'),
  'has.geneve': tunnelIs('geneve'),
  'has.flannel': tunnelIs('flannel-udp'),
  'has.ipip': tunnelIs('ipip'),
  'has.gre': tunnelIs('gre'),
  'has.wireguard': tunnelIs('wireguard'),
};

/** String slots: NULL where the resolver gives null. */
const STRS: Record<string, (level: Level) => Slot> = {
  'ipv6.src': (l) =>
    l === 'outer'
      ? s('CASE WHEN outer_ver = 6 THEN outer_src END', 'outer_ver', 'outer_src')
      : s('CASE WHEN inner_ver = 6 THEN inner_src END', 'inner_ver', 'inner_src'),
  'ipv6.dst': (l) =>
    l === 'outer'
      ? s('CASE WHEN outer_ver = 6 THEN outer_dst END', 'outer_ver', 'outer_dst')
      : s('CASE WHEN inner_ver = 6 THEN inner_dst END', 'inner_ver', 'inner_dst'),
  tunnel: () => s('tunnel', 'tunnel'),
  node: () => s('pt_node', 'pt_node'),
  iface: () => s('pt_iface', 'pt_iface'),
  kind: () => s('pt_kind', 'pt_kind'),
  capture: () => s('pt_capture', 'pt_capture'),
  'pod.src': () => s('pod_src', 'pod_src'),
  'pod.dst': () => s('pod_dst', 'pod_dst'),
  protocol: () => s('protocol', 'protocol'),
};

/** Fields no dataset column can answer, and why. */
const UNSUPPORTED: Record<string, string> = {
  community_id: 'a dataset has no Community ID column (it is computed from the live capture table)',
};

/**
 * The SQL condition of a parsed filter over the list table, whose columns are `columns` (NULL for the
 * empty filter). Throws FilterFieldError naming the first field the dataset cannot answer.
 */
export function filterSql(ast: FilterNode | null, columns: ReadonlySet<string>): string | null {
  return ast === null ? null : node(ast, columns);
}

function node(n: FilterNode, cols: ReadonlySet<string>): string {
  switch (n.type) {
    case 'and':
    case 'or':
      return `(${node(n.left, cols)} ${n.type.toUpperCase()} ${node(n.right, cols)})`;
    case 'not':
      return `(NOT ${node(n.expr, cols)})`;
    case 'test':
      return test(n, cols);
  }
}

function test(n: Extract<FilterNode, { type: 'test' }>, cols: ReadonlySet<string>): string {
  const spec = FIELDS[n.field];
  const levels: Level[] = spec.leveled ? (n.level === 'any' ? ['outer', 'inner'] : [n.level]) : ['any'];
  const slots: { slot: string; level: Level; expr: Slot }[] = [];
  for (const level of levels)
    for (const slot of spec.slots) {
      const make = (spec.type === 'string' ? STRS : NUMS)[slot];
      if (!make)
        throw new FilterFieldError(
          `'${n.field}' cannot be used on a dataset: ${UNSUPPORTED[n.field] ?? 'no column holds it'}`,
          n.start,
          n.end,
        );
      const expr = make(level);
      const missing = expr.needs.find((c) => !cols.has(c));
      if (missing)
        throw new FilterFieldError(
          `'${n.field}' is not in this dataset: its packets table has no column '${missing}' (export it again with this version of 'tunnelvision export --parquet')`,
          n.start,
          n.end,
        );
      slots.push({ slot, level, expr });
    }
  const build = (op: CompareOp | null) => `(${slots.map((x) => slotSql(spec, x.expr.sql, op, n.value)).join(' OR ')})`;
  if (n.op !== '!=') return build(n.op);
  // Like Wireshark: `a != b` holds when the field is present and no occurrence equals b.
  return `(${build(null)} AND NOT ${build('==')})`;
}

/** One slot's test, never NULL (so NOT and OR behave as over the resolver's NaN and null). */
function slotSql(spec: FieldSpec, e: string, op: CompareOp | null, val: FilterValue | null): string {
  const sure = (cond: string) => `COALESCE(${cond}, FALSE)`;
  if (spec.type === 'string') {
    if (op === null) return `(${e}) IS NOT NULL`;
    const v = sqlString((val?.kind === 'string' ? val.value : '').toLowerCase());
    if (op === 'contains') return `contains(lower(COALESCE(${e}, '')), ${v})`;
    return sure(`lower(${e}) = ${v}`);
  }
  if (op === null) return spec.type === 'bool' ? sure(`(${e}) > 0`) : `(${e}) IS NOT NULL`;
  if (val?.kind === 'ip') {
    if (val.mask === 0xffffffff) return sure(`(${e}) = ${val.addr}`);
    return sure(`(CAST(${e} AS BIGINT) & ${val.mask}) = ${val.addr}`);
  }
  const v = val?.kind === 'number' ? val.value : Number.NaN;
  if (Number.isNaN(v)) return 'FALSE';
  switch (op) {
    case '==':
    case '>':
    case '<':
    case '>=':
    case '<=':
      return sure(`(${e}) ${op === '==' ? '=' : op} ${v}`);
    default:
      return 'FALSE';
  }
}
