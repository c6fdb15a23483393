// Every public capture decoded by the engine, compared field by field with tshark's decode of the
// same file (expected/*.json, made by oracle.sh). Where tshark and the engine disagree and the
// engine is right, ALLOWED names the file, frame and field with the reason; an allowed difference
// that disappears fails too, so the list cannot go stale.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oracleForFile } from '../../main/cli/decode';

const PUBLIC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/captures/public');
const EXPECTED = join(PUBLIC, 'expected');

/** file#frame -> field -> reason. */
const ALLOWED: Record<string, Record<string, string>> = {
  'ipv4-truncated-broken-header.pcap#1': {
    ip: 'tshark stops listing IPv4 fields after "Bogus IP length" (total length 20 < header length 60); the engine shows every field of the 20 header bytes that are there',
    malformed: 'a total length below the header length is a malformed header for the engine (anomaly bad-length); tshark only adds an expert error without _ws.malformed',
  },
};

interface Frame { [k: string]: unknown }

const COMPARED = ['time_epoch', 'cap_len', 'len', 'linktype', 'section', 'interface_id', 'ip', 'l4', 'icmp', 'vlan', 'vxlan_vni', 'geneve_vni', 'comments', 'malformed', 'truncated'];

function compareFile(name: string, expected: { frames: Frame[]; readable: boolean }, ours: { frames: Frame[]; errors: unknown[] }): string[] {
  const problems: string[] = [];
  const exp = expected.frames.filter((f) => !f.non_packet_record);
  const numbered = exp.length === expected.frames.length;
  if (!expected.readable && ours.errors.length === 0) problems.push('tshark cannot read this file but the engine reported no error');
  if (ours.frames.length !== exp.length) problems.push(`frame count: engine ${ours.frames.length}, tshark ${exp.length}`);
  const usedAllowances = new Set<string>();
  for (let i = 0; i < Math.min(exp.length, ours.frames.length); i++) {
    const e = exp[i], o = ours.frames[i];
    const key = `${name}#${e.number}`;
    if (numbered && e.number !== o.number) problems.push(`${key}: number ${o.number}`);
    for (const k of COMPARED) {
      let ev = e[k], ov = o[k];
      if (k === 'time_epoch' && ev === null) continue; // tshark has no time for some pcapng records
      if (k === 'icmp' || k === 'vlan' || k === 'vxlan_vni' || k === 'geneve_vni' || k === 'comments') { ev ??= []; ov ??= []; }
      const same = JSON.stringify(ev) === JSON.stringify(ov);
      const allowed = ALLOWED[key]?.[k];
      if (allowed) {
        usedAllowances.add(`${key}.${k}`);
        if (same) problems.push(`${key}: ${k} is on the allow-list but now agrees with tshark: remove the entry`);
        continue;
      }
      if (!same) problems.push(`${key}: ${k}: engine ${JSON.stringify(ov)} != tshark ${JSON.stringify(ev)}`);
    }
  }
  for (const [key, fields] of Object.entries(ALLOWED)) {
    if (!key.startsWith(name + '#')) continue;
    for (const k of Object.keys(fields)) if (!usedAllowances.has(`${key}.${k}`)) problems.push(`${key}.${k}: allow-list entry matches no frame`);
  }
  return problems;
}

const files = existsSync(EXPECTED)
  ? readdirSync(PUBLIC).filter((f) => f !== 'SOURCES.md' && f !== 'expected' && existsSync(join(EXPECTED, `${f}.json`))).sort()
  : [];

describe.skipIf(files.length === 0)('engine vs tshark on the public captures', () => {
  it('has a capture for every oracle file', () => {
    const oracles = readdirSync(EXPECTED).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
    expect(files).toEqual(oracles);
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  it.each(files)('%s', async (name) => {
    const expected = JSON.parse(readFileSync(join(EXPECTED, `${name}.json`), 'utf8'));
    const { doc } = await oracleForFile(join(PUBLIC, name));
    const problems = compareFile(name, expected, doc as unknown as { frames: Frame[]; errors: unknown[] });
    expect(problems).toEqual([]);
  });
});

if (files.length === 0) {
  describe('engine vs tshark (public captures absent)', () => {
    it.skip(`skipped: ../shared/captures/public (next to the repository) not found, the public captures are not here`, () => {});
  });
}
