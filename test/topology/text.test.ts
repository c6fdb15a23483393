// The one wording of endpoints, flows, NAT rewrites, encapsulations, tunnels and durations
// (common/text.ts): its forms, control characters from captures replaced, and the same NAT,
// encapsulation and flow text in the terminal (CLI), the app (backend) and the report for the same
// journey of the lab's DNAT-ed HTTP flow.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  clean,
  cleanBlock,
  direction,
  duration,
  encapText,
  endpoint,
  flowText,
  natText,
  signedDuration,
  tunnelText,
} from '../../common/text';
import { createBackend } from '../../main/backend/backend';
import { buildReport } from '../../main/report';
import { copyCaptures } from '../tools';
import { formatJourney, loadCaptureSet } from '../../main/topology';
import { ready } from '../app/helpers';
import { captureFiles } from './lab';

describe('wording', () => {
  it('endpoints: IPv6 in brackets with a port, the address alone without one', () => {
    expect(endpoint('10.0.0.1', 80)).toBe('10.0.0.1:80');
    expect(endpoint('fd00::1', 80)).toBe('[fd00::1]:80');
    expect(endpoint('fd00::1', null)).toBe('fd00::1');
    expect(direction({ src: '10.0.0.1', srcPort: 40000, dst: 'fd00::2', dstPort: 53 })).toBe('10.0.0.1:40000 → [fd00::2]:53');
    expect(flowText({ protocol: 'tcp', a: { ip: '10.0.0.1', port: 40000 }, b: { ip: '10.0.0.2', port: 80 } })).toBe(
      'TCP 10.0.0.1:40000 ⇄ 10.0.0.2:80',
    );
  });

  it('NAT, encapsulation and tunnels', () => {
    const nat = {
      kind: 'dnat',
      node: 'node1',
      hop: 2,
      before: { src: '10.244.0.2', srcPort: 41000, dst: '10.96.0.10', dstPort: 53 },
      after: { src: '10.244.0.2', srcPort: 41000, dst: '10.244.2.2', dstPort: 53 },
    };
    expect(natText(nat)).toBe('DNAT 10.244.0.2:41000 → 10.96.0.10:53 became 10.244.0.2:41000 → 10.244.2.2:53 on node1 (hop 3)');
    expect(natText({ ...nat, node: null })).toMatch(/ on an unknown node \(hop 3\)$/);
    expect(
      encapText({ type: 'vxlan', vni: 1, outerSrc: '192.168.56.11', outerDst: '192.168.56.12', udpSrcPort: 51000, udpDstPort: 8472 }),
    ).toBe('vxlan VNI 1 192.168.56.11:51000 → 192.168.56.12:8472');
    expect(encapText({ type: 'ipip', vni: null, outerSrc: '10.0.0.1', outerDst: '10.0.0.2', udpSrcPort: null, udpDstPort: null })).toBe(
      'ipip 10.0.0.1 → 10.0.0.2',
    );
    expect(tunnelText({ type: 'vxlan', vni: 1, port: 8472 })).toBe('VXLAN VNI 1 UDP 8472');
    expect(tunnelText({ type: 'flannel-udp', vni: null, port: 8285 })).toBe('flannel UDP 8285');
    expect(tunnelText({ type: 'flannel-udp', vni: null, port: null })).toBe('flannel UDP');
    expect(tunnelText({ type: 'gre', vni: 5, port: null })).toBe('GRE key 5');
    expect(tunnelText({ type: 'ipip', vni: null, port: null })).toBe('IP-in-IP');
  });

  it('durations at each unit boundary, signed or not, unknown as -', () => {
    expect([999, 1000, 999_999, 1e6, 1e9, 2.5e9].map(duration)).toEqual([
      '999 ns',
      '1.0 µs',
      '1000.0 µs',
      '1.000 ms',
      '1.000 s',
      '2.500 s',
    ]);
    expect(duration(-1500)).toBe('-1.5 µs');
    expect(signedDuration(1500)).toBe('+1.5 µs');
    expect(signedDuration(-2e9)).toBe('-2.000 s');
    expect(duration(null)).toBe('-');
    expect(duration(Number.NaN)).toBe('-');
  });

  it('control characters from captures are replaced, line breaks of a block kept', () => {
    expect(clean('node\u001b[2J\u0007x')).toBe('node?[2J?x');
    expect(
      natText({
        kind: 'snat',
        node: 'n\u009b1',
        hop: 0,
        before: { src: 'a', srcPort: null, dst: 'b', dstPort: null },
        after: { src: 'c', srcPort: null, dst: 'b', dstPort: null },
      }),
    ).toContain('on n?1');
    expect(cleanBlock('a\nb\u001bc')).toBe('a\nb?c');
  });
});

const lab = captureFiles('a').filter(existsSync);
if (!lab.length) console.warn('SKIPPED text consistency test: the lab captures (fixtures/captures) are missing');

describe.skipIf(!lab.length)('one wording across the CLI, the app and the report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tv-text-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the DNAT of the lab HTTP flow, its encapsulation and its flow read the same everywhere', async () => {
    const caps = copyCaptures(lab, join(dir, 'caps'));
    const a = await loadCaptureSet(caps);
    const journey = Array.from({ length: a.journeys.count }, (_, i) => a.journeys.get(i)).find(
      (j) => j.nat.length > 0 && j.hops[0].headers.dst === '10.96.112.34',
    )!;
    expect(journey, 'a DNAT-ed journey to 10.96.112.34').toBeDefined();
    const nat = journey.nat[0];
    const wire = journey.hops.find((h) => h.headers.encap)!;
    const flow = a.flows.find((f) => f.id === journey.flow)!;

    // CLI
    const cli = formatJourney(a, journey);
    expect(cli).toContain(natText(nat));
    expect(cli).toContain(encapText(wire.headers.encap!));

    // Report
    const report = await buildReport(
      { ...a, journeysForFlow: (id) => a.journeysForFlow(id), journeyForPacket: (c, i) => a.journeyForPacket(c, i), journeys: a.journeys },
      {
        annotations: [
          { id: 'n1', target: { kind: 'flow', flow: flow.id }, text: 'x', severity: 'info', source: 'user', created: '', updated: '' },
        ],
        captures: [],
        captureChecks: [],
        filter: '',
        decodeAs: [],
        isAttached: () => true,
      },
    );
    const rj = report.flows.find((f) => f.id === flow.id)!.journeys.find((j) => j.id === journey.id)!;
    expect(rj.nat).toEqual([natText(nat)]);
    expect(rj.hops[nat.hop].nat).toBe(natText(nat));
    expect(rj.hops[wire.index].encap).toBe(encapText(wire.headers.encap!));
    expect(`${report.flows[0].a} ⇄ ${report.flows[0].b}`).toBe(flowText(flow).replace(/^\S+ /, ''));

    // App
    const b = createBackend({ shell: 'browser', recentFile: null, tempDir: join(dir, 'tmp'), sessionDir: join(dir, 'sessions') });
    try {
      await b.openCaptures({ paths: caps, append: false });
      await ready(b);
      const f = (await b.followFlow({ flow: flow.id }))!;
      expect(f.flowLabel).toBe(flowText(flow));
      const view = f.journeys.find((j) => j.id === String(journey.id))!;
      expect(view.hops[nat.hop].nat).toBe(natText(nat));
      expect(view.hops[wire.index].encap).toBe(encapText(wire.headers.encap!));
      expect(view.findings).toContain(`${natText(nat)}, between ${nat.between[0]} and ${nat.between[1]}`);
      expect(view.label).toContain(duration(journey.totalLatencyNs));
    } finally {
      await b.close();
    }
  });
});
