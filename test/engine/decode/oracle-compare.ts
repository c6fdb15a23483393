// Field-by-field comparison of the engine's oracle document with tshark's (oracle.sh v1 shape),
// with an allow-list of known, explained disagreements that fails when an entry goes stale.

/** file#frame -> field -> reason. */
export type Allowed = Record<string, Record<string, string>>;

interface Frame {
  [k: string]: unknown;
}

/** The fields compared, frame by frame. */
export const COMPARED = [
  'time_epoch',
  'cap_len',
  'len',
  'linktype',
  'section',
  'interface_id',
  'ip',
  'l4',
  'icmp',
  'vlan',
  'vxlan_vni',
  'geneve_vni',
  'comments',
  'malformed',
  'truncated',
];

export function compareOracle(
  name: string,
  expected: { frames: Frame[]; readable: boolean },
  ours: { frames: object[]; errors: unknown[] },
  allowed: Allowed = {},
): string[] {
  const problems: string[] = [];
  const oursFrames = ours.frames as Frame[];
  const exp = expected.frames.filter((f) => !f.non_packet_record);
  const numbered = exp.length === expected.frames.length;
  if (!expected.readable && ours.errors.length === 0) problems.push('tshark cannot read this file but the engine reported no error');
  if (oursFrames.length !== exp.length) problems.push(`frame count: engine ${oursFrames.length}, tshark ${exp.length}`);
  const usedAllowances = new Set<string>();
  for (let i = 0; i < Math.min(exp.length, oursFrames.length); i++) {
    const e = exp[i],
      o = oursFrames[i];
    const key = `${name}#${String(e.number)}`;
    if (numbered && e.number !== o.number) problems.push(`${key}: number ${String(o.number)}`);
    for (const k of COMPARED) {
      let ev = e[k],
        ov = o[k];
      if (k === 'time_epoch' && ev === null) continue; // tshark has no time for some pcapng records
      if (k === 'icmp' || k === 'vlan' || k === 'vxlan_vni' || k === 'geneve_vni' || k === 'comments') {
        ev ??= [];
        ov ??= [];
      }
      const same = JSON.stringify(ev) === JSON.stringify(ov);
      const why = allowed[key]?.[k];
      if (why) {
        usedAllowances.add(`${key}.${k}`);
        if (same) problems.push(`${key}: ${k} is on the allow-list but now agrees with tshark: remove the entry`);
        continue;
      }
      if (!same) problems.push(`${key}: ${k}: engine ${JSON.stringify(ov)} != tshark ${JSON.stringify(ev)}`);
    }
  }
  for (const [key, fields] of Object.entries(allowed)) {
    if (!key.startsWith(name + '#')) continue;
    for (const k of Object.keys(fields))
      if (!usedAllowances.has(`${key}.${k}`)) problems.push(`${key}.${k}: allow-list entry matches no frame`);
  }
  return problems;
}
