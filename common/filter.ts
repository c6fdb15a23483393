// The display filter language, Wireshark-like:
//
//   ip.src == 10.42.0.5 && vxlan.vni == 1      tcp.port == 80       outer.udp.dstport == 8472
//   inner.ip.dst == 10.42.1.7                  pod == "web-0"       node == "node1"
//   ip.addr == 10.42.0.0/16 and not icmp       frame.len > 1400     !(udp.port == 53)
//
// Grammar (precedence low to high):
//   expr   := or
//   or     := and (('||' | 'or') and)*
//   and    := unary (('&&' | 'and') unary)*
//   unary  := ('!' | 'not') unary | '(' expr ')' | test
//   test   := field [op value]            a bare field tests presence (e.g. `tcp`, `vxlan.vni`)
//   op     := == | != | > | < | >= | <= | eq | ne | gt | lt | ge | le | contains
//   field  := ['outer.' | 'inner.'] name  (prefixes only on per-level header fields)
//
// Plain TypeScript shared by the UI (syntax check as the user types) and the backend, which compiles
// the tree into a predicate over its columnar packet index through a FilterResolver: the language
// knows field names and types, the resolver knows where the values live.

export type Level = 'outer' | 'inner' | 'any';
export type FieldType = 'ip' | 'number' | 'string' | 'bool';

export interface FieldSpec {
  readonly type: FieldType;
  /** True when the field exists at each encapsulation level (accepts outer./inner.). */
  readonly leveled: boolean;
  /** Concrete values the resolver provides; a test matches when ANY slot matches (ip.addr = src or dst). */
  readonly slots: readonly string[];
  readonly help: string;
}

const f = (type: FieldType, leveled: boolean, help: string, slots?: string[]) => ({ type, leveled, help, slots });

const RAW_FIELDS: Record<string, { type: FieldType; leveled: boolean; help: string; slots?: string[] }> = {
  'ip.src': f('ip', true, 'IPv4 source address'),
  'ip.dst': f('ip', true, 'IPv4 destination address'),
  'ip.addr': f('ip', true, 'IPv4 source or destination', ['ip.src', 'ip.dst']),
  'ip.proto': f('number', true, 'IP protocol number'),
  'ip.ttl': f('number', true, 'IPv4 TTL / IPv6 hop limit'),
  'ip.id': f('number', true, 'IPv4 identification'),
  'ip.len': f('number', true, 'IP total length'),
  'ipv6.src': f('string', true, 'IPv6 source address'),
  'ipv6.dst': f('string', true, 'IPv6 destination address'),
  'ipv6.addr': f('string', true, 'IPv6 source or destination', ['ipv6.src', 'ipv6.dst']),
  'tcp.srcport': f('number', true, 'TCP source port'),
  'tcp.dstport': f('number', true, 'TCP destination port'),
  'tcp.port': f('number', true, 'TCP source or destination port', ['tcp.srcport', 'tcp.dstport']),
  'tcp.seq': f('number', true, 'TCP sequence number'),
  'tcp.ack': f('number', true, 'TCP acknowledgement number'),
  'tcp.window': f('number', true, 'TCP window'),
  'tcp.flags': f('number', true, 'TCP flags byte'),
  'tcp.flags.syn': f('bool', true, 'TCP SYN set'),
  'tcp.flags.ack': f('bool', true, 'TCP ACK set'),
  'tcp.flags.fin': f('bool', true, 'TCP FIN set'),
  'tcp.flags.rst': f('bool', true, 'TCP RST set'),
  'udp.srcport': f('number', true, 'UDP source port'),
  'udp.dstport': f('number', true, 'UDP destination port'),
  'udp.port': f('number', true, 'UDP source or destination port', ['udp.srcport', 'udp.dstport']),
  'icmp.type': f('number', true, 'ICMP type'),
  'icmp.code': f('number', true, 'ICMP code'),
  'vxlan.vni': f('number', false, 'VXLAN network identifier'),
  'geneve.vni': f('number', false, 'Geneve virtual network identifier'),
  tunnel: f('string', false, 'tunnel kind: vxlan, flannel-udp, geneve, ipip, ip6in4, gre, wireguard, none'),
  'frame.len': f('number', false, 'length on the wire'),
  'frame.cap_len': f('number', false, 'captured length'),
  'frame.number': f('number', false, 'packet number (No.)'),
  node: f('string', false, 'Kubernetes node the capture was taken on'),
  iface: f('string', false, 'interface the capture was taken on'),
  interface: f('string', false, 'interface the capture was taken on', ['iface']),
  capture: f('string', false, 'capture file name'),
  kind: f('string', false, 'interface kind: veth, bridge, vtep, tun, underlay, any'),
  pod: f('string', false, 'pod sending or receiving the packet', ['pod.src', 'pod.dst']),
  'pod.src': f('string', false, 'pod sending the packet'),
  'pod.dst': f('string', false, 'pod receiving the packet'),
  protocol: f('string', false, 'the Protocol column (e.g. TCP, DNS, ICMP)'),
  community_id: f('string', false, 'Community ID v1 of the packet\'s flow, as Zeek/Suricata/Wireshark log it ("1:...")'),
  malformed: f('bool', false, 'the packet has a decoding anomaly'),
  // Protocol presence (at any level): `tcp`, `!arp`, `vxlan`...
  eth: f('bool', false, 'has an Ethernet header', ['has.eth']),
  arp: f('bool', false, 'is ARP', ['has.arp']),
  ip: f('bool', false, 'has an IPv4 header', ['has.ip']),
  ipv6: f('bool', false, 'has an IPv6 header', ['has.ipv6']),
  tcp: f('bool', false, 'has a TCP header', ['has.tcp']),
  udp: f('bool', false, 'has a UDP header', ['has.udp']),
  icmp: f('bool', false, 'has an ICMP or ICMPv6 header', ['has.icmp']),
  dns: f('bool', false, 'is DNS', ['has.dns']),
  vxlan: f('bool', false, 'is VXLAN-encapsulated', ['has.vxlan']),
  geneve: f('bool', false, 'is Geneve-encapsulated', ['has.geneve']),
  flannel: f('bool', false, 'is flannel UDP-encapsulated', ['has.flannel']),
  ipip: f('bool', false, 'is IP-in-IP', ['has.ipip']),
  gre: f('bool', false, 'is GRE-encapsulated', ['has.gre']),
  wireguard: f('bool', false, 'is WireGuard', ['has.wireguard']),
};

export const FIELDS: Readonly<Record<string, FieldSpec>> = Object.fromEntries(
  Object.entries(RAW_FIELDS).map(([name, s]) => [name, { type: s.type, leveled: s.leveled, help: s.help, slots: s.slots ?? [name] }]),
);

export type CompareOp = '==' | '!=' | '>' | '<' | '>=' | '<=' | 'contains';

export type FilterValue =
  | { readonly kind: 'ip'; readonly addr: number; readonly mask: number; readonly text: string }
  | { readonly kind: 'number'; readonly value: number; readonly text: string }
  | { readonly kind: 'string'; readonly value: string; readonly text: string };

export type FilterNode =
  | { readonly type: 'and' | 'or'; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly type: 'not'; readonly expr: FilterNode }
  | {
      readonly type: 'test';
      readonly field: string;
      readonly level: Level;
      readonly op: CompareOp | null;
      readonly value: FilterValue | null;
      readonly start: number;
      readonly end: number;
    };

export interface FilterError {
  readonly message: string;
  readonly start: number;
  readonly end: number;
}

export type ParseResult = { readonly ok: true; readonly ast: FilterNode | null } | { readonly ok: false; readonly error: FilterError };

// ---------------------------------------------------------------------------------------------
// Tokens

type TokKind = 'word' | 'string' | 'op' | 'lparen' | 'rparen' | 'and' | 'or' | 'not' | 'end';
interface Token {
  kind: TokKind;
  text: string;
  start: number;
  end: number;
}

class SyntaxFail extends Error {
  constructor(readonly error: FilterError) {
    super(error.message);
  }
}
const err = (message: string, start: number, end: number): never => {
  throw new SyntaxFail({ message, start, end: Math.max(end, start + 1) });
};

const WORD_CHAR = /[A-Za-z0-9_.:\-/]/;
const KEYWORDS: Record<string, TokKind> = { and: 'and', or: 'or', not: 'not' };
const WORD_OPS: Record<string, CompareOp> = { eq: '==', ne: '!=', gt: '>', lt: '<', ge: '>=', le: '<=', contains: 'contains' };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (two === '&&' || two === '||') {
      out.push({ kind: two === '&&' ? 'and' : 'or', text: two, start: i, end: i + 2 });
      i += 2;
    } else if (two === '==' || two === '!=' || two === '>=' || two === '<=') {
      out.push({ kind: 'op', text: two, start: i, end: i + 2 });
      i += 2;
    } else if (c === '>' || c === '<') {
      out.push({ kind: 'op', text: c, start: i, end: i + 1 });
      i++;
    } else if (c === '!') {
      out.push({ kind: 'not', text: c, start: i, end: i + 1 });
      i++;
    } else if (c === '(' || c === ')') {
      out.push({ kind: c === '(' ? 'lparen' : 'rparen', text: c, start: i, end: i + 1 });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      let value = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        value += src[j];
        j++;
      }
      if (j >= src.length) err('unterminated string: add the closing "', i, src.length);
      out.push({ kind: 'string', text: value, start: i, end: j + 1 });
      i = j + 1;
    } else if (c === '=') {
      err('use == to compare', i, i + 1);
    } else if (WORD_CHAR.test(c)) {
      let j = i;
      while (j < src.length && WORD_CHAR.test(src[j])) j++;
      const text = src.slice(i, j);
      const lower = text.toLowerCase();
      if (KEYWORDS[lower]) out.push({ kind: KEYWORDS[lower], text, start: i, end: j });
      else if (WORD_OPS[lower]) out.push({ kind: 'op', text: WORD_OPS[lower], start: i, end: j });
      else out.push({ kind: 'word', text, start: i, end: j });
      i = j;
    } else {
      err(`unexpected character "${c}"`, i, i + 1);
    }
  }
  out.push({ kind: 'end', text: '', start: src.length, end: src.length });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Values

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/;

export function parseIpv4(text: string): { addr: number; mask: number } | null {
  const m = IPV4.exec(text);
  if (!m) return null;
  const parts = [m[1], m[2], m[3], m[4]].map(Number);
  if (parts.some((p) => p > 255)) return null;
  const bits = m[5] === undefined ? 32 : Number(m[5]);
  if (bits > 32) return null;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const addr = (((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0) & mask;
  return { addr: addr >>> 0, mask };
}

export function formatIpv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function parseNumber(text: string): number | null {
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text.slice(2), 16);
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true') return 1;
  if (text === 'false') return 0;
  return null;
}

function valueFor(spec: FieldSpec, field: string, tok: Token): FilterValue {
  const raw = tok.text;
  switch (spec.type) {
    case 'ip': {
      const ip = tok.kind === 'word' ? parseIpv4(raw) : null;
      if (!ip) err(`"${raw}" is not an IPv4 address or CIDR block (e.g. 10.42.0.5 or 10.42.0.0/16)`, tok.start, tok.end);
      return { kind: 'ip', addr: ip!.addr, mask: ip!.mask, text: raw };
    }
    case 'number':
    case 'bool': {
      const n = tok.kind === 'word' ? parseNumber(raw) : null;
      if (n === null) err(`${field} is a number; "${raw}" is not`, tok.start, tok.end);
      return { kind: 'number', value: n!, text: raw };
    }
    case 'string':
      return { kind: 'string', value: raw, text: raw };
  }
}

// ---------------------------------------------------------------------------------------------
// Parser

export function parseFilter(src: string): ParseResult {
  if (src.trim() === '') return { ok: true, ast: null };
  try {
    const toks = tokenize(src);
    let pos = 0;
    const peek = () => toks[pos];
    const next = () => toks[pos++];

    const parseOr = (): FilterNode => {
      let left = parseAnd();
      while (peek().kind === 'or') {
        next();
        left = { type: 'or', left, right: parseAnd() };
      }
      return left;
    };
    const parseAnd = (): FilterNode => {
      let left = parseUnary();
      while (peek().kind === 'and') {
        next();
        left = { type: 'and', left, right: parseUnary() };
      }
      return left;
    };
    const parseUnary = (): FilterNode => {
      const t = peek();
      if (t.kind === 'not') {
        next();
        return { type: 'not', expr: parseUnary() };
      }
      if (t.kind === 'lparen') {
        next();
        const inner = parseOr();
        const close = next();
        if (close.kind !== 'rparen') err('missing ")"', close.start, close.end);
        return inner;
      }
      return parseTest();
    };
    const parseTest = (): FilterNode => {
      const t = next();
      if (t.kind === 'end') err('expression expected', t.start, t.end);
      if (t.kind !== 'word') err(`a field name was expected, not "${t.text}"`, t.start, t.end);
      let name = t.text.toLowerCase();
      let level: Level = 'any';
      if (name.startsWith('outer.') || name.startsWith('inner.')) {
        level = name.startsWith('outer.') ? 'outer' : 'inner';
        name = name.slice(6);
      }
      const spec = Object.hasOwn(FIELDS, name) ? FIELDS[name] : undefined;
      if (!spec) err(`unknown field "${t.text}"${suggest(name)}`, t.start, t.end);
      if (level !== 'any' && !spec!.leveled) err(`${name} has no outer/inner levels`, t.start, t.end);
      const opTok = peek();
      if (opTok.kind !== 'op') {
        if (opTok.kind === 'word' && Object.hasOwn(FIELDS, opTok.text.toLowerCase().replace(/^(outer|inner)\./, '')))
          err(`"${opTok.text}" is unexpected here: join tests with && or ||`, opTok.start, opTok.end);
        if (opTok.kind === 'word' || opTok.kind === 'string')
          err(`an operator (==, !=, >, contains...) is expected after ${t.text}`, opTok.start, opTok.end);
        return { type: 'test', field: name, level, op: null, value: null, start: t.start, end: t.end };
      }
      next();
      const op = opTok.text as CompareOp;
      const vTok = next();
      if (vTok.kind !== 'word' && vTok.kind !== 'string') err(`a value is expected after ${opTok.text}`, vTok.start, vTok.end);
      if (op === 'contains' && spec!.type !== 'string')
        err(`contains works on text fields; ${name} is ${spec!.type === 'ip' ? 'an address' : 'a number'}`, opTok.start, opTok.end);
      if (spec!.type === 'ip' && op !== '==' && op !== '!=') err(`addresses compare with == or != only`, opTok.start, opTok.end);
      if (spec!.type === 'string' && op !== '==' && op !== '!=' && op !== 'contains')
        err(`text compares with ==, != or contains`, opTok.start, opTok.end);
      const value = valueFor(spec!, name, vTok);
      return { type: 'test', field: name, level, op, value, start: t.start, end: vTok.end };
    };

    const ast = parseOr();
    const rest = peek();
    if (rest.kind !== 'end') {
      if (rest.kind === 'rparen') err('unbalanced ")"', rest.start, rest.end);
      err(`"${rest.text}" is unexpected here: join tests with && or ||`, rest.start, rest.end);
    }
    return { ok: true, ast };
  } catch (e) {
    if (e instanceof SyntaxFail) return { ok: false, error: e.error };
    throw e;
  }
}

function suggest(name: string): string {
  const names = Object.keys(FIELDS);
  const close = names.filter((n) => n.startsWith(name.split('.')[0] + '.') || n === name.split('.')[0]).slice(0, 4);
  return close.length ? ` (did you mean ${close.join(', ')}?)` : '';
}

/** Field names used by a tree (for telling the user which are unavailable). */
export function fieldsOf(ast: FilterNode | null, out = new Set<string>()): Set<string> {
  if (!ast) return out;
  if (ast.type === 'test') out.add(ast.field);
  else if (ast.type === 'not') fieldsOf(ast.expr, out);
  else {
    fieldsOf(ast.left, out);
    fieldsOf(ast.right, out);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Compilation to a predicate over packet indices

/** Returns the value for packet i: numbers (IPv4 as uint32) with NaN when absent; strings with null. */
export type NumGetter = (i: number) => number;
export type StrGetter = (i: number) => string | null;

export interface FilterResolver {
  /** Getter of a numeric slot ('ip', 'number' and 'bool' fields) at a level ('any' for non-leveled). */
  num(slot: string, level: Level): NumGetter;
  str(slot: string, level: Level): StrGetter;
}

export type Predicate = (i: number) => boolean;

export function compileFilter(ast: FilterNode | null, resolver: FilterResolver): Predicate {
  if (!ast) return () => true;
  return compileNode(ast, resolver);
}

function compileNode(n: FilterNode, r: FilterResolver): Predicate {
  switch (n.type) {
    case 'and': {
      const a = compileNode(n.left, r);
      const b = compileNode(n.right, r);
      return (i) => a(i) && b(i);
    }
    case 'or': {
      const a = compileNode(n.left, r);
      const b = compileNode(n.right, r);
      return (i) => a(i) || b(i);
    }
    case 'not': {
      const a = compileNode(n.expr, r);
      return (i) => !a(i);
    }
    case 'test':
      return compileTest(n, r);
  }
}

function anyOf(preds: Predicate[]): Predicate {
  if (preds.length === 1) return preds[0];
  if (preds.length === 2) {
    const [a, b] = preds;
    return (i) => a(i) || b(i);
  }
  return (i) => {
    for (const p of preds) if (p(i)) return true;
    return false;
  };
}

function compileTest(n: Extract<FilterNode, { type: 'test' }>, r: FilterResolver): Predicate {
  const spec = FIELDS[n.field];
  const levels: Level[] = spec.leveled ? (n.level === 'any' ? ['outer', 'inner'] : [n.level]) : ['any'];
  const build = (op: CompareOp | null): Predicate => {
    const preds: Predicate[] = [];
    for (const level of levels) for (const slot of spec.slots) preds.push(slotPredicate(spec, slot, level, op, n.value, r));
    return anyOf(preds);
  };
  if (n.op !== '!=') return build(n.op);
  // Like Wireshark: `a != b` holds when the field is present and no occurrence equals b.
  const present = build(null);
  const equal = build('==');
  return (i) => present(i) && !equal(i);
}

function slotPredicate(
  spec: FieldSpec,
  slot: string,
  level: Level,
  op: CompareOp | null,
  val: FilterValue | null,
  r: FilterResolver,
): Predicate {
  if (spec.type === 'string') {
    const get = r.str(slot, level);
    if (op === null) return (i) => get(i) !== null;
    const vl = (val?.kind === 'string' ? val.value : '').toLowerCase();
    if (op === 'contains') return (i) => (get(i) ?? '').toLowerCase().includes(vl);
    return (i) => {
      const s = get(i);
      return s !== null && s.toLowerCase() === vl;
    };
  }
  const get = r.num(slot, level);
  if (op === null) return spec.type === 'bool' ? (i) => get(i) > 0 : (i) => !Number.isNaN(get(i));
  if (val?.kind === 'ip') {
    const { addr, mask } = val;
    if (mask === 0xffffffff) return (i) => get(i) === addr;
    return (i) => {
      const x = get(i);
      return !Number.isNaN(x) && (x & mask) >>> 0 === addr;
    };
  }
  const v = val?.kind === 'number' ? val.value : Number.NaN;
  switch (op) {
    case '==':
      return (i) => get(i) === v;
    case '>':
      return (i) => get(i) > v;
    case '<':
      return (i) => get(i) < v;
    case '>=':
      return (i) => get(i) >= v;
    case '<=':
      return (i) => get(i) <= v;
    default:
      return () => false;
  }
}
