// BGP decoding checked field by field against tshark on the Calico lab's captures (real BIRD
// sessions: OPEN with capabilities, UPDATEs announcing and withdrawing /26 blocks, KEEPALIVEs,
// a NOTIFICATION Cease), plus byte-built cases for what the lab does not produce.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { readCapture } from '../../main/engine/readers/read';
import { decodePacket } from '../../main/engine/decode';
import { parseBgpMessages } from '../../main/engine/decode/protocols/bgp';
import type { Field } from '../../main/engine/decode/types';
import { describeNeeding } from '../tools';

const capDir = fileURLToPath(new URL('../../fixtures/captures/calico', import.meta.url));
const LINKTYPE_ETHERNET = 1;

// Field names as Wireshark spells them; our decoder uses the same filter keys.
const FIELDS = [
  'bgp.type',
  'bgp.length',
  'bgp.open.version',
  'bgp.open.myas',
  'bgp.open.holdtime',
  'bgp.open.identifier',
  'bgp.open.opt.len',
  'bgp.cap.type',
  'bgp.cap.mp.afi',
  'bgp.cap.mp.safi',
  'bgp.update.withdrawn_routes.length',
  'bgp.withdrawn_prefix',
  'bgp.update.path_attributes.length',
  'bgp.update.path_attribute.type_code',
  'bgp.update.path_attribute.origin',
  'bgp.update.path_attribute.next_hop',
  'bgp.update.path_attribute.local_pref',
  'bgp.update.path_attribute.multi_exit_disc',
  'bgp.nlri_prefix',
  'bgp.prefix_length',
  'bgp.notify.major_error',
  'bgp.notify.minor_error_cease',
];

function collect(fields: Field[], out: Map<string, string[]>): void {
  for (const f of fields) {
    if (FIELDS.includes(f.name)) {
      const list = out.get(f.name) ?? [];
      let v = String(f.value);
      if (f.name === 'bgp.withdrawn_prefix' || f.name === 'bgp.nlri_prefix') v = v.split('/')[0];
      list.push(v);
      out.set(f.name, list);
    }
    if (f.children) collect(f.children, out);
  }
}

async function ours(file: string): Promise<Map<string, string>[]> {
  const frames: Map<string, string>[] = [];
  await readCapture(file, {
    onPacket(p) {
      const dp = decodePacket(p.data, p.linktype, undefined, p.origLen);
      const m = new Map<string, string[]>();
      for (const l of dp.layers) if (l.proto === 'bgp') collect(l.fields, m);
      frames.push(new Map([...m].map(([k, v]) => [k, v.join(',')])));
    },
  });
  return frames;
}

function theirs(file: string): Map<string, string>[] {
  const r = spawnSync(
    'tshark',
    [
      '-n',
      '-o',
      'tcp.desegment_tcp_streams:FALSE',
      '-r',
      file,
      '-T',
      'fields',
      '-E',
      'occurrence=a',
      '-E',
      'aggregator=,',
      ...FIELDS.flatMap((f) => ['-e', f]),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .slice(0, -1)
    .map((line) => {
      const cols = line.split('\t');
      return new Map(FIELDS.map((f, i) => [f, cols[i]] as [string, string]).filter(([, v]) => v !== ''));
    });
}

describeNeeding(['tshark'], 'BGP against tshark on the Calico lab captures', () => {
  for (const node of ['calico1', 'calico2', 'calico3']) {
    it(`${node}-eth0: every BGP field of every frame`, async () => {
      const file = join(capDir, `${node}-eth0.pcap`);
      const a = await ours(file);
      const b = theirs(file);
      expect(a.length).toBe(b.length);
      let bgpFrames = 0;
      for (let i = 0; i < a.length; i++) {
        if (b[i].size) bgpFrames++;
        expect({ frame: i + 1, ...Object.fromEntries(a[i]) }).toEqual({ frame: i + 1, ...Object.fromEntries(b[i]) });
      }
      expect(bgpFrames).toBeGreaterThan(8);
    });
  }

  it('the lab captures hold every message type: OPEN, UPDATE (announce + withdraw), KEEPALIVE, NOTIFICATION', async () => {
    const types = new Set<string>();
    let withdrawn = 0,
      announced = 0;
    for (const node of ['calico1', 'calico3']) {
      for (const f of await ours(join(capDir, `${node}-eth0.pcap`))) {
        for (const t of (f.get('bgp.type') ?? '').split(',')) if (t) types.add(t);
        if (f.has('bgp.withdrawn_prefix')) withdrawn++;
        if (f.has('bgp.nlri_prefix')) announced++;
      }
    }
    expect([...types].sort()).toEqual(['1', '2', '3', '4']);
    expect(withdrawn).toBeGreaterThan(0);
    expect(announced).toBeGreaterThan(0);
  });
});

// ---- byte-built messages ----
const MARKER = new Array(16).fill(0xff);
function msg(type: number, body: number[]): number[] {
  const len = 19 + body.length;
  return [...MARKER, len >> 8, len & 255, type, ...body];
}
const KEEPALIVE = msg(4, []);
const UPDATE_V4 = msg(2, [
  0,
  5,
  26,
  192,
  168,
  103,
  64, // withdrawn 192.168.103.64/26
  0,
  34,
  0x40,
  1,
  1,
  0, // ORIGIN IGP
  0x40,
  2,
  6,
  2,
  1,
  0,
  0,
  0xfc,
  0x00, // AS_PATH sequence [64512] (4-octet)
  0x40,
  3,
  4,
  172,
  18,
  0,
  12, // NEXT_HOP
  0x80,
  4,
  4,
  0,
  0,
  0,
  7, // MED 7
  0x40,
  5,
  4,
  0,
  0,
  0,
  100, // LOCAL_PREF 100
  26,
  192,
  168,
  102,
  128,
  32,
  10,
  0,
  0,
  1, // NLRI 192.168.102.128/26, 10.0.0.1/32
]);
describe('BGP from bytes', () => {
  it('several messages in one segment: UPDATE with every common attribute, then a KEEPALIVE', () => {
    const d = new Uint8Array([...UPDATE_V4, ...KEEPALIVE]);
    const m = parseBgpMessages(d, 0, d.length);
    expect(m.map((x) => x.typeName)).toEqual(['UPDATE', 'KEEPALIVE']);
    expect(m[0].update).toMatchObject({
      withdrawn: [{ prefix: '192.168.103.64/26', afi: 1 }],
      nlri: [
        { prefix: '192.168.102.128/26', afi: 1 },
        { prefix: '10.0.0.1/32', afi: 1 },
      ],
      nextHop: '172.18.0.12',
      origin: 'IGP',
      asPath: [64512],
      med: 7,
      localPref: 100,
    });
    expect(m.every((x) => x.complete && !x.error)).toBe(true);
  });

  it('MP_REACH_NLRI with an IPv6 next hop and an IPv6 /122 block', () => {
    const body = [0, 0, 0, 0];
    const attr = [
      0x90, 14, 0, 0, 0, 2, 1, 16, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0c, 0, 122, 0xfd, 0, 0x10, 0x44, 0, 1, 0, 0, 0, 0, 0,
      0, 0, 0, 0, 0,
    ];
    attr[3] = attr.length - 4;
    body[3] = attr.length;
    const d = new Uint8Array(msg(2, [...body, ...attr]));
    const [u] = parseBgpMessages(d, 0, d.length);
    expect(u.error).toBeUndefined();
    expect(u.update?.mpNextHop).toBe('fd00::c');
    expect(u.update?.nlri).toEqual([{ prefix: 'fd00:1044:1::/122', afi: 2 }]);
  });

  it('OPEN capabilities and NOTIFICATION text', () => {
    const open = msg(1, [4, 0xfc, 0x00, 0, 90, 172, 18, 0, 11, 16, 2, 14, 1, 4, 0, 1, 0, 1, 65, 4, 0, 0, 0xfc, 0x00, 2, 0]);
    const note = msg(3, [6, 2]);
    const d = new Uint8Array([...open, ...note]);
    const [o, n] = parseBgpMessages(d, 0, d.length);
    expect(o.open).toMatchObject({ version: 4, myAs: 64512, as4: 64512, holdTime: 90, identifier: '172.18.0.11' });
    expect(o.open?.capabilities.map((c) => c.code)).toEqual([1, 65, 2]);
    expect(n.notification).toEqual({ code: 6, subcode: 2, text: 'Cease / Administrative Shutdown' });
  });

  it('a message cut by the segment end is shown as far as it goes, not as malformed; a lying length is', () => {
    const d = new Uint8Array(UPDATE_V4.slice(0, 30));
    const m = parseBgpMessages(d, 0, d.length);
    expect(m).toHaveLength(1);
    expect(m[0]).toMatchObject({ typeName: 'UPDATE', complete: false });
    const bad = new Uint8Array(msg(2, [0, 40, 0, 0])); // withdrawn length past the message
    expect(parseBgpMessages(bad, 0, bad.length)[0].error).toMatch(/withdrawn routes run past/);
    const cont = new Uint8Array([1, 2, 3, 4, ...KEEPALIVE]);
    expect(parseBgpMessages(cont, 0, cont.length)[0].typeName).toBe('continuation');
  });

  it('in a full decode over Ethernet/IPv4/TCP: one bgp layer per message, anomaly only for a lying length', () => {
    const payload = [...UPDATE_V4, ...KEEPALIVE];
    const frame = ethIpTcp(payload);
    const dp = decodePacket(frame, LINKTYPE_ETHERNET);
    expect(dp.layers.map((l) => l.proto)).toEqual(['eth', 'ip', 'tcp', 'bgp', 'bgp']);
    expect(dp.anomalies).toEqual([]);
    expect(dp.info).toContain(
      'UPDATE Message, 192.168.102.128/26 10.0.0.1/32 via 172.18.0.12, withdrawn 192.168.103.64/26; KEEPALIVE Message',
    );
    const broken = ethIpTcp(msg(2, [0, 40, 0, 0]));
    expect(decodePacket(broken, LINKTYPE_ETHERNET).anomalies.map((a) => a.code)).toEqual(['bad-length']);
  });
});

function ethIpTcp(payload: number[]): Uint8Array {
  const ipLen = 20 + 20 + payload.length;
  const ip = [0x45, 0, ipLen >> 8, ipLen & 255, 0, 1, 0x40, 0, 64, 6, 0, 0, 172, 18, 0, 11, 172, 18, 0, 12];
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (ip[i] << 8) | ip[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  sum = ~sum & 0xffff;
  ip[10] = sum >> 8;
  ip[11] = sum & 255;
  const tcp = [0xc0, 0x01, 0, 179, 0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0];
  return new Uint8Array([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0, ...ip, ...tcp, ...payload]);
}
