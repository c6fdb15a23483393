// Community ID v1 against the specification's published reference data, then against Wireshark's own
// Community ID implementation on the public captures.
//
// Vectors: github.com/corelight/community-id-spec, baseline/README.md (the three tables: defaults,
// seed=1, no base64) and baseline/baseline_deflt.json + baseline_seed1.json (pycommunityid's output
// over the spec's pcaps/combined.pcap.gz). ICMP rows give (type, code) as (sport, dport).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { communityId, isCommunityId, parseIp, type CommunityIdTuple } from '../../main/engine/flow/community-id';
import { describeNeeding, fileNeed } from '../tools';

type Row = [proto: number, src: string, dst: string, sport: number | null, dport: number | null, id: string];

const V6A = 'fe80:0001:0203:0405:0607:0809:0A0B:0C0D';
const V6B = 'fe80:1011:1213:1415:1617:1819:1A1B:1C1D';

// The README's tables: same tuples, three configurations.
const TABLE_TUPLES: Array<[number, string, string, number | null, number | null]> = [
  [6, '1.2.3.4', '5.6.7.8', 1122, 3344],
  [6, '5.6.7.8', '1.2.3.4', 3344, 1122],
  [17, '1.2.3.4', '5.6.7.8', 1122, 3344],
  [17, '5.6.7.8', '1.2.3.4', 3344, 1122],
  [132, '1.2.3.4', '5.6.7.8', 1122, 3344],
  [132, '5.6.7.8', '1.2.3.4', 3344, 1122],
  [1, '1.2.3.4', '5.6.7.8', 8, 0],
  [1, '5.6.7.8', '1.2.3.4', 0, 0],
  [1, '1.2.3.4', '5.6.7.8', 11, 0],
  [58, V6A, V6B, 128, 0],
  [58, V6B, V6A, 129, 0],
  [58, V6A, V6B, 146, 0],
  [46, '1.2.3.4', '5.6.7.8', null, null],
  [46, '5.6.7.8', '1.2.3.4', null, null],
  [46, V6A, V6B, null, null],
  [46, V6B, V6A, null, null],
];
const TABLE_DEFAULT = [
  '1:wCb3OG7yAFWelaUydu0D+125CLM=',
  '1:wCb3OG7yAFWelaUydu0D+125CLM=',
  '1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=',
  '1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=',
  '1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=',
  '1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=',
  '1:crodRHL2FEsHjbv3UkRrfbs4bZ0=',
  '1:crodRHL2FEsHjbv3UkRrfbs4bZ0=',
  '1:f/YiSyWqczrTgfUCZlBUnvHRcPk=',
  '1:0bf7hyMJUwt3fMED7z8LIfRpBeo=',
  '1:0bf7hyMJUwt3fMED7z8LIfRpBeo=',
  '1:fYC8+pz24E+EhANP1EZhpX0Dw10=',
  '1:ikv3kmf89luf73WPz1jOs49S768=',
  '1:ikv3kmf89luf73WPz1jOs49S768=',
  '1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=',
  '1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=',
];
const TABLE_SEED1 = [
  '1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=',
  '1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=',
  '1:OShq+iKDAMVouh/4bMxB9Sz4amw=',
  '1:OShq+iKDAMVouh/4bMxB9Sz4amw=',
  '1:uitchpn5MMGAQKBJh7bIr/bAr7s=',
  '1:uitchpn5MMGAQKBJh7bIr/bAr7s=',
  '1:9pr4ZGTICiuZoIh90RRYE2RyXpU=',
  '1:9pr4ZGTICiuZoIh90RRYE2RyXpU=',
  '1:1DD7cWGC/Yg91YGsQeni8du3pIA=',
  '1:IO27GQzPuCtNnwFvjWALMHu5tJE=',
  '1:IO27GQzPuCtNnwFvjWALMHu5tJE=',
  '1:Cv4IKJe56BNkF0MBW2YxQ3Nwc3s=',
  '1:/buhqeOmaRCopOZFy9HnoJd5XW8=',
  '1:/buhqeOmaRCopOZFy9HnoJd5XW8=',
  '1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=',
  '1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=',
];
const TABLE_NOB64 = [
  '1:c026f7386ef200559e95a53276ed03fb5db908b3',
  '1:c026f7386ef200559e95a53276ed03fb5db908b3',
  '1:d0cbbd227431eb3e1988264cffb1d78b658c84e8',
  '1:d0cbbd227431eb3e1988264cffb1d78b658c84e8',
  '1:10ab7832cc6ec9a13a98bfa19ab12443d72c0c3f',
  '1:10ab7832cc6ec9a13a98bfa19ab12443d72c0c3f',
  '1:72ba1d4472f6144b078dbbf752446b7dbb386d9d',
  '1:72ba1d4472f6144b078dbbf752446b7dbb386d9d',
  '1:7ff6224b25aa733ad381f5026650549ef1d170f9',
  '1:d1b7fb872309530b777cc103ef3f0b21f46905ea',
  '1:d1b7fb872309530b777cc103ef3f0b21f46905ea',
  '1:7d80bcfa9cf6e04f8484034fd44661a57d03c35d',
  '1:8a4bf79267fcf65b9fef758fcf58ceb38f52efaf',
  '1:8a4bf79267fcf65b9fef758fcf58ceb38f52efaf',
  '1:c10ff69b0ae75cfe259897077462f978f8d1f9ed',
  '1:c10ff69b0ae75cfe259897077462f978f8d1f9ed',
];

// baseline_deflt.json and baseline_seed1.json: [proto, saddr, daddr, sport, dport, default id, seed=1 id].
const BASELINE: Array<[number, string, string, number | null, number | null, string, string]> = [
  [
    58,
    'fe80::200:86ff:fe05:80da',
    'fe80::260:97ff:fe07:69ea',
    135,
    136,
    '1:dGHyGvjMfljg6Bppwm3bg0LO8TY=',
    '1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=',
  ],
  [
    58,
    'fe80::260:97ff:fe07:69ea',
    'fe80::200:86ff:fe05:80da',
    136,
    135,
    '1:dGHyGvjMfljg6Bppwm3bg0LO8TY=',
    '1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=',
  ],
  [
    58,
    'fe80::260:97ff:fe07:69ea',
    'fe80::200:86ff:fe05:80da',
    135,
    136,
    '1:zavyT/cezQr1fmImYCwYnMXbgck=',
    '1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=',
  ],
  [
    58,
    'fe80::200:86ff:fe05:80da',
    'fe80::260:97ff:fe07:69ea',
    136,
    135,
    '1:zavyT/cezQr1fmImYCwYnMXbgck=',
    '1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=',
  ],
  [
    58,
    '3ffe:501:1800:2345::2',
    '3ffe:507:0:1:200:86ff:fe05:80da',
    3,
    0,
    '1:2ObVBgIn28oZvibYZhZMBgh7WdQ=',
    '1:lVEtCZpYu84Xqaa++3lXFyuu2n4=',
  ],
  [
    58,
    '3ffe:501:410:0:2c0:dfff:fe47:33e',
    '3ffe:507:0:1:200:86ff:fe05:80da',
    1,
    4,
    '1:hLZd0XGWojozrvxqE0dWB1iM6R0=',
    '1:W8MHwXpWzpoSTD+cGcaJr4u0ys8=',
  ],
  [
    58,
    '3ffe:507:0:1:200:86ff:fe05:80da',
    '3ffe:501:0:1001::2',
    128,
    129,
    '1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=',
    '1:GfZxjAkDk2MkegpBYHV6tadtFXQ=',
  ],
  [
    58,
    '3ffe:501:0:1001::2',
    '3ffe:507:0:1:200:86ff:fe05:80da',
    129,
    128,
    '1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=',
    '1:GfZxjAkDk2MkegpBYHV6tadtFXQ=',
  ],
  [58, 'fe80::200:86ff:fe05:80da', 'ff02::2', 133, 134, '1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=', '1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8='],
  [58, 'fe80::260:97ff:fe07:69ea', 'ff02::1', 134, 133, '1:pkvHqCL88/tg1k4cPigmZXUtL00=', '1:K/ee5UCqAMAQXDorP5nSa2CGLjc='],
  [1, '192.168.0.89', '192.168.0.1', 8, 0, '1:X0snYXpgwiv9TZtqg64sgzUn6Dk=', '1:03g6IloqVBdcZlPyX8r0hgoE7kA='],
  [1, '192.168.0.1', '192.168.0.89', 0, 8, '1:X0snYXpgwiv9TZtqg64sgzUn6Dk=', '1:03g6IloqVBdcZlPyX8r0hgoE7kA='],
  [1, '10.0.0.1', '10.0.0.2', 11, 0, '1:YHxtAirCG//0OzkcVAukqKQN9xM=', '1:XjUibYHaafLQ3pxQeiMI8g25q20='],
  [
    6,
    '2001:470:e5bf:dead:4957:2174:e82c:4887',
    '2607:f8b0:400c:c03::1a',
    63943,
    25,
    '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=',
    '1:eJYTW6AOzFLlSUoESovMjnu7rMw=',
  ],
  [
    6,
    '2607:f8b0:400c:c03::1a',
    '2001:470:e5bf:dead:4957:2174:e82c:4887',
    25,
    63943,
    '1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=',
    '1:eJYTW6AOzFLlSUoESovMjnu7rMw=',
  ],
  [132, '192.168.170.8', '192.168.170.56', 7, 7, '1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=', '1:5w3ZRjeKBzqT3zsaEECDGjUbYeg='],
  [132, '192.168.170.56', '192.168.170.8', 7, 7, '1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=', '1:5w3ZRjeKBzqT3zsaEECDGjUbYeg='],
  [6, '128.232.110.120', '66.35.250.204', 34855, 80, '1:LQU9qZlK+B5F3KDmev6m5PMibrg=', '1:3V71V58M3Ksw/yuFALMcW0LAHvc='],
  [6, '66.35.250.204', '128.232.110.120', 80, 34855, '1:LQU9qZlK+B5F3KDmev6m5PMibrg=', '1:3V71V58M3Ksw/yuFALMcW0LAHvc='],
  [17, '192.168.1.52', '8.8.8.8', 54585, 53, '1:d/FP5EW3wiY1vCndhwleRRKHowQ=', '1:Q9We8WO3piVF8yEQBNJF4uiSVrI='],
  [17, '8.8.8.8', '192.168.1.52', 53, 54585, '1:d/FP5EW3wiY1vCndhwleRRKHowQ=', '1:Q9We8WO3piVF8yEQBNJF4uiSVrI='],
  [46, '10.1.12.1', '10.1.12.2', null, null, '1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=', '1:rYir8gphR31noO9iDRQmF/BteEI='],
  [46, '10.1.12.2', '10.1.12.1', null, null, '1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=', '1:rYir8gphR31noO9iDRQmF/BteEI='],
];

const tuple = (r: Row | (typeof TABLE_TUPLES)[number]): CommunityIdTuple => ({
  proto: r[0],
  src: r[1],
  dst: r[2],
  sport: r[3],
  dport: r[4],
});

describe('Community ID v1: the specification baseline', () => {
  it.each(TABLE_TUPLES.map((t, i) => [i, t] as const))('README table row %i (default, seed=1, hex)', (i, t) => {
    expect(communityId(tuple(t))).toBe(TABLE_DEFAULT[i]);
    expect(communityId(tuple(t), { seed: 1 })).toBe(TABLE_SEED1[i]);
    expect(communityId(tuple(t), { base64: false })).toBe(TABLE_NOB64[i]);
  });

  it.each(BASELINE.map((b, i) => [i, b] as const))('baseline json row %i', (_i, b) => {
    expect(communityId(tuple(b as unknown as Row))).toBe(b[5]);
    expect(communityId(tuple(b as unknown as Row), { seed: 1 })).toBe(b[6]);
  });

  it('accepts IPv4 as uint32 and as bytes with the same result as text', () => {
    const text = communityId({ proto: 6, src: '128.232.110.120', dst: '66.35.250.204', sport: 34855, dport: 80 });
    expect(communityId({ proto: 6, src: 0x80e86e78, dst: 0x4223facc, sport: 34855, dport: 80 })).toBe(text);
    expect(communityId({ proto: 6, src: parseIp('128.232.110.120')!, dst: parseIp('66.35.250.204')!, sport: 34855, dport: 80 })).toBe(text);
    expect(isCommunityId(text)).toBe(true);
    expect(isCommunityId('1:abc')).toBe(false);
  });

  it('rejects bad input with a clear error instead of a wrong hash', () => {
    expect(() => communityId({ proto: 6, src: '1.2.3', dst: '1.2.3.4', sport: 1, dport: 2 })).toThrow(/not an IP address/);
    expect(() => communityId({ proto: 6, src: '1.2.3.4', dst: '::1', sport: 1, dport: 2 })).toThrow(/different IP versions/);
    expect(() => communityId({ proto: 6, src: '1.2.3.4', dst: '1.2.3.5', sport: 70000, dport: 2 })).toThrow(/port/);
    expect(() => communityId({ proto: 6, src: '1.2.3.4', dst: '1.2.3.5' }, { seed: -1 })).toThrow(/seed/);
    expect(parseIp('1::2::3')).toBeNull();
    expect(parseIp('::ffff:1.2.3.4')).toEqual(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]));
  });
});

// Wireshark (3.3.1+) computes the Community ID of every frame from its innermost IP/ports; compare
// ours on the same tuples, over every public capture tshark reads.
const publicDir = fileURLToPath(new URL('../../../shared/captures/public', import.meta.url));
const publicNeed = fileNeed('the public captures', publicDir);

describeNeeding(['tshark', publicNeed], 'Community ID v1 against Wireshark on the public captures', () => {
  it('matches tshark frame by frame', () => {
    const fields = [
      'frame.protocols',
      'ip.src',
      'ip.dst',
      'ip.proto',
      'ipv6.src',
      'ipv6.dst',
      'ipv6.nxt',
      'tcp.srcport',
      'tcp.dstport',
      'udp.srcport',
      'udp.dstport',
      'icmp.type',
      'icmp.code',
      'icmpv6.type',
      'icmpv6.code',
      'communityid',
    ];
    let compared = 0;
    const mismatches: string[] = [];
    for (const name of readdirSync(publicDir)) {
      if (!/\.(pcap|pcapng)$/.test(name)) continue;
      const r = spawnSync(
        'tshark',
        [
          '-n',
          '--enable-protocol',
          'communityid',
          '-o',
          'ip.defragment:FALSE',
          '-r',
          join(publicDir, name),
          '-T',
          'fields',
          '-E',
          'occurrence=a',
          '-E',
          'aggregator=|',
          ...fields.flatMap((f) => ['-e', f]),
        ],
        { encoding: 'utf8', maxBuffer: 64 << 20 },
      );
      for (const line of r.stdout.split('\n')) {
        if (!line) continue;
        const v = line.split('\t').map((c) => (c === '' ? [] : c.split('|')));
        const [protos, ipS, ipD, ipP, v6S, v6D, v6N, tS, tD, uS, uD, icT, icC, ic6T, ic6C, cid] = v;
        if (cid.length !== 1) continue;
        const stack = protos[0].split(':');
        // Only frames with one IP header and at most one transport header: tunnels and ICMP errors quote
        // several, and which one Wireshark hashes is its own choice, not the spec's.
        const ipCount = stack.filter((p) => p === 'ip' || p === 'ipv6').length;
        if (ipCount !== 1 || (stack.includes('icmp') && ipS.length + v6S.length > 1)) continue;
        const v4 = ipS.length === 1;
        const proto = Number(v4 ? ipP[0] : v6N[0]);
        let sport: number | null = null,
          dport: number | null = null;
        if (tS.length === 1) [sport, dport] = [Number(tS[0]), Number(tD[0])];
        else if (uS.length === 1) [sport, dport] = [Number(uS[0]), Number(uD[0])];
        else if (icT.length >= 1) [sport, dport] = [Number(icT[0]), Number(icC[0])];
        else if (ic6T.length >= 1) [sport, dport] = [Number(ic6T[0]), Number(ic6C[0])];
        if (proto === 0 || proto === 60 || proto === 43 || proto === 44) continue; // IPv6 extension headers: tshark hashes the final proto
        const ours = communityId({ proto, src: v4 ? ipS[0] : v6S[0], dst: v4 ? ipD[0] : v6D[0], sport, dport });
        compared++;
        if (ours !== cid[0]) mismatches.push(`${name}: ${line} -> ours ${ours}`);
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(compared).toBeGreaterThan(100);
    console.info(`community id: ${compared} frames agree with tshark`);
    // One tshark run per public capture: minutes on a loaded machine.
  }, 300_000);
});

// Every flow the topology builds carries the Community ID Wireshark computes for its packets.
describeNeeding(['tshark'], 'Community ID on flows (lab captures) against tshark', () => {
  it("Calico and flannel lab flows: each flow id equals tshark's communityid of every packet of that flow on the pod-side captures", async () => {
    const { loadCaptureSet } = await import('../../main/topology');
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const calico = JSON.parse(readFileSync(join(root, 'fixtures/calico-manifest.json'), 'utf8')) as {
      captures: { file: string; kind: string }[];
    };
    const flannel = JSON.parse(readFileSync(join(root, 'fixtures/manifest.json'), 'utf8')) as {
      captures: { file: string; interfaces: { kind: string }[] }[];
    };
    const sets = [
      calico.captures.map((c) => ({ path: join(root, c.file), podSide: c.kind === 'veth' || c.kind === 'loopback' })),
      flannel.captures.map((c) => ({
        path: join(root, 'fixtures/captures', c.file),
        podSide: c.interfaces.every((i) => i.kind === 'veth'),
      })),
    ];
    let checked = 0;
    for (const set of sets) {
      const a = await loadCaptureSet(set.map((s) => s.path));
      const byTuple = new Map<string, string | null | undefined>();
      for (const f of a.flows) {
        if (f.protoNumber !== 6 && f.protoNumber !== 17) continue;
        byTuple.set(`${f.protoNumber} ${f.a.ip}:${f.a.port} ${f.b.ip}:${f.b.port}`, f.communityId);
        byTuple.set(`${f.protoNumber} ${f.b.ip}:${f.b.port} ${f.a.ip}:${f.a.port}`, f.communityId);
      }
      const icmpFlows = a.flows.filter((f) => f.protoNumber === 1);
      for (const s of set.filter((x) => x.podSide)) {
        const r = spawnSync(
          'tshark',
          [
            '-n',
            '--enable-protocol',
            'communityid',
            '-r',
            s.path,
            '-T',
            'fields',
            '-e',
            'ip.proto',
            '-e',
            'ip.src',
            '-e',
            'ip.dst',
            '-e',
            'tcp.srcport',
            '-e',
            'tcp.dstport',
            '-e',
            'udp.srcport',
            '-e',
            'udp.dstport',
            '-e',
            'icmp.type',
            '-e',
            'communityid',
            '-Y',
            'ip and not icmp.resp_to and not ip.flags.mf==1 and not ip.frag_offset>0',
          ],
          { encoding: 'utf8' },
        );
        for (const line of r.stdout.split('\n')) {
          const [proto, src, dst, ts, td, us, ud, icmpType, cid] = line.split('\t');
          if (!cid) continue;
          if (proto === '1') {
            if (icmpType !== '8') continue;
            const f = icmpFlows.find((x) => x.a.ip === src && x.b.ip === dst);
            expect(f?.communityId, `${s.path} ${line}`).toBe(cid);
            checked++;
            continue;
          }
          const [sp, dp] = proto === '6' ? [ts, td] : [us, ud];
          const key = `${proto} ${src}:${sp} ${dst}:${dp}`;
          if (!byTuple.has(key)) continue;
          expect(byTuple.get(key), `${s.path} ${line}`).toBe(cid);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});
