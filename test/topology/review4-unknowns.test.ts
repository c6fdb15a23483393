// Facts the captures cannot show, on kernel-made clusters (fixtures/captures/review4, see
// fixtures/README.md): each is said to be unknown, with why, in the model (`unknown` beside the null,
// so --json keeps its fields), in the terminal text, in the cluster graph the app and the reports
// draw, and in the app's hover. Truth (read back from the kernels): the bridges' gateways are
// 10.42.N.1 / 10.50.N.1, but no packet of these windows shows them (the pods resolved them before the
// captures began); in ipvs-local the node's pod CIDR is 10.42.1.0/24, which nothing captured bounds:
// its pods 10.42.1.5, .6 and its gateway 10.42.1.1 give no prefix length.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { toElements } from '../../main/backend/graph';
import { buildReport, renderHtml, renderMarkdown } from '../../main/report';
import { loadCaptureSet, type Analysis } from '../../main/topology';
import { buildClusterGraph } from '../../main/topology/graph';
import { settled } from '../../main/topology/model';
import { formatJourney, formatTopology } from '../../main/topology/text';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'captures', 'review4');
const set = (name: string): string[] => readdirSync(join(DIR, name)).map((f) => join(DIR, name, f));
const N1 = 'ip-10-0-3-17.eu-west-1.compute.internal';
const N2 = 'ip-10-0-3-18.eu-west-1.compute.internal';
/** The lines of a section of the topology text ('Nodes', 'Bridges', 'Pods'...), up to the next blank line. */
const section = (text: string, name: string): string => text.slice(text.indexOf(`\n${name} (`)).split('\n\n')[0];

describe('ipvs-ens5: both bridges’ gateway MAC is seen, their address is not', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('ipvs-ens5'));
  });

  it('the model keeps gatewayIp null and says why beside it; a known fact has no reason', () => {
    const json = JSON.parse(JSON.stringify(a.toJSON())) as ReturnType<Analysis['toJSON']>;
    for (const [node, mac] of [
      [N1, '02:b0:00:00:01:01'],
      [N2, '02:b0:00:00:02:01'],
    ]) {
      const b = json.model.bridges.find((x) => x.node === node)!;
      expect(b).toMatchObject({ name: 'kube-bridge', gatewayIp: null, gatewayMac: mac });
      expect(b.unknown?.gatewayIp).toMatch(
        new RegExp(
          `^no ARP or IP packet of the gateway in the captures: nothing from its MAC ${mac} gives an address of 10\\.42\\.[12]\\.0/24$`,
        ),
      );
      expect(b.unknown?.gatewayMac).toBeUndefined();
    }
    for (const p of json.model.pods) expect(p.unknown).toBeUndefined();
    expect(json.model.nodes.map((n) => [n.id, n.podCidr, n.unknown?.podCidr ?? null])).toEqual([
      [N1, '10.42.1.0/24', null],
      [N2, '10.42.2.0/24', null],
    ]);
    // n1's vxlan0 address (10.42.1.0) never sends: unknown, and why.
    expect(json.model.nodes.find((n) => n.id === N1)!.unknown?.vtepIp).toMatch(
      /no packet it sent into the tunnel itself from an address of 10\.42\.1\.0\/24/,
    );
    expect(json.model.nodes.find((n) => n.id === N2)!).toMatchObject({ vtepIp: '10.42.2.0' });
    expect(json.model.nodes.find((n) => n.id === N2)!.unknown).toBeUndefined();
  });

  it("the text says 'gateway unknown' and why under each bridge, never a bare '?'", () => {
    const text = formatTopology(a);
    const bridges = section(text, 'Bridges');
    expect(bridges).not.toMatch(/\?/);
    expect(bridges).toMatch(
      new RegExp(
        `${N1}/kube-bridge +gateway unknown +02:b0:00:00:01:01\\n +gateway address unknown: no ARP or IP packet of the gateway in the captures`,
      ),
    );
    expect(section(text, 'Nodes')).not.toMatch(/\?/);
  });

  it('the graph (app and reports) says so on the bridge, and the app’s element carries why for its hover', () => {
    const g = buildClusterGraph(a.toJSON());
    const br = g.nodes.find((n) => n.id === `bridge:${N1}/kube-bridge`)!;
    expect(br.detail).toBe('gateway unknown · 02:b0:00:00:01:01');
    expect(br.unknown).toEqual([expect.stringMatching(/^gateway address unknown: no ARP or IP packet of the gateway/)]);
    const el = toElements(g, a.toJSON(), new Map(), new Map()).find((e) => e.data.id === br.id)!;
    expect(el.data.unknown).toBe(br.unknown![0]);
    // A pod whose every fact is known has no reason.
    expect(g.nodes.find((n) => n.id === 'pod:10.42.1.5')!.unknown).toBeUndefined();
  });

  it('the report’s graph table says it too, with why (HTML and Markdown)', async () => {
    const r = await buildReport(a, null);
    const br = r.graph.nodes.find((n) => n.id === `bridge:${N1}/kube-bridge`)!;
    expect(br.detail).toBe('gateway unknown · 02:b0:00:00:01:01');
    expect(br.unknown).toEqual([expect.stringMatching(/^gateway address unknown: no ARP or IP packet of the gateway/)]);
    const html = renderHtml(r).replaceAll('<wbr>', '');
    expect(html).toMatch(
      /gateway unknown · 02:b0:00:00:01:01<br><span class="meta">gateway address unknown: no ARP or IP packet of the gateway in the captures/,
    );
    expect(renderMarkdown(r)).toMatch(
      /bridge kube-bridge gateway unknown · 02:b0:00:00:01:01\n {4}- gateway address unknown: no ARP or IP packet/,
    );
  });
});

describe('ipvs-local: one node, no tunnel traffic: its pod CIDR cannot be known', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('ipvs-local'));
  });

  it('podCidr stays null: its pods and gateway are known, but addresses give no prefix length, and the reason says so', () => {
    const n = a.model.nodes.find((x) => x.id === N1)!;
    expect(n.podCidr).toBeNull();
    expect(n.podCidrs).toEqual([]);
    expect(a.model.bridges.find((b) => b.node === N1)!).toMatchObject({ gatewayIp: '10.42.1.1' });
    expect(n.unknown?.podCidr).toBe(
      'no tunnel packet to or from it is in the captures, and no route names its block; its pods 10.42.1.5, 10.42.1.6 and its bridge’s gateway 10.42.1.1 are known, but addresses alone do not give the block’s prefix length (a block holding them all is 10.42.1.0/29 or wider)'.replaceAll(
        '’',
        "'",
      ),
    );
    // No VXLAN packet of it either: its VTEP's MAC and address are unknown too, with why.
    expect(n.vtepMac).toBeNull();
    expect(n.unknown?.vtepMac).toMatch(/^no VXLAN or Geneve packet sent from 10\.0\.3\.17 is in the captures/);
    expect(n.unknown?.vtepIp).toMatch(/^its IPv4 pod CIDR is unknown/);
    expect(n.unknown?.underlayIps).toBeUndefined();
  });

  it("the text prints 'pods unknown' and the reason under the node", () => {
    const nodes = section(formatTopology(a), 'Nodes');
    expect(nodes).not.toMatch(/\?/);
    expect(nodes).toMatch(
      /10\.0\.3\.17 +02:0a:00:03:00:17 +pods unknown +vtep MAC unknown\n +pod CIDR unknown: no tunnel packet to or from it/,
    );
    expect(nodes).toMatch(/\n +tunnel device MAC unknown: /);
    const box = buildClusterGraph(a.toJSON()).nodes.find((x) => x.id === `node:${N1}`)!;
    expect(box.detail).toBe('10.0.3.17 · pods unknown');
    expect(box.unknown?.[0]).toMatch(/^pod CIDR unknown: .*10\.42\.1\.0\/29 or wider/);
  });
});

describe('routed-underlay: only the two NICs captured', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await loadCaptureSet(set('routed-underlay'));
  });

  it('the pods’ MACs and veths are unknown, with why', () => {
    for (const ip of ['10.50.1.2', '10.50.2.2']) {
      const p = a.model.pods.find((x) => x.ip === ip)!;
      expect(p).toMatchObject({ mac: null, veth: null });
      expect(p.unknown?.mac).toMatch(/^no frame it sent itself with an Ethernet header .* is in the captures/);
      expect(p.unknown?.veth).toMatch(/^none of the captures is of its host-side veth/);
      expect(p.unknown?.node).toBeUndefined();
    }
    const pods = section(formatTopology(a), 'Pods');
    expect(pods).toMatch(/10\.50\.1\.2 +MAC unknown +k8s-prod-az1-w01 +veth unknown\n +MAC unknown: no frame it sent itself/);
    expect(pods).not.toMatch(/ - /);
  });
});

describe('router-frag: a routed underlay with every interface captured', () => {
  it('the cbr0 gateways are unknown, with why (their MACs are seen)', async () => {
    const a = await loadCaptureSet(set('router-frag'));
    const b = a.model.bridges.find((x) => x.id === 'k8s-prod-az1-w01/cbr0')!;
    expect(b).toMatchObject({ gatewayIp: null, gatewayMac: '02:cb:00:00:01:01' });
    expect(b.unknown).toEqual({
      gatewayIp:
        'no ARP or IP packet of the gateway in the captures: nothing from its MAC 02:cb:00:00:01:01 gives an address of 10.50.1.0/24',
    });
    expect(formatTopology(a)).toMatch(/k8s-prod-az1-w01\/cbr0 +gateway unknown +02:cb:00:00:01:01\n +gateway address unknown: /);
  });
});

describe('a reason goes when a later source gives the fact (flannel leases, kubectl, ARP of a routed node)', () => {
  it('settled() drops the reasons of fields that hold a value now, keeps the others', () => {
    const n = {
      podCidr: '10.42.1.0/24',
      vtepMac: null,
      underlayIps: [] as string[],
      unknown: { podCidr: 'x', vtepMac: 'y', underlayIps: 'z' },
    };
    expect(settled(n)).toEqual({ podCidr: '10.42.1.0/24', vtepMac: null, underlayIps: [], unknown: { vtepMac: 'y', underlayIps: 'z' } });
    expect(settled({ podCidr: '10.42.1.0/24', unknown: { podCidr: 'x' } })).toEqual({ podCidr: '10.42.1.0/24' });
    const same = { gatewayIp: null, unknown: { gatewayIp: 'x' } };
    expect(settled(same)).toBe(same);
  });
});

describe('a cooked capture (-i any) keeps interface indexes, not names (fixtures/captures/b-node2-any.pcap)', () => {
  it('its points and the hops on them say why the interface name is unknown', async () => {
    const CAPS = join(DIR, '..');
    const a = await loadCaptureSet(
      readdirSync(CAPS)
        .filter((f) => f.startsWith('b-'))
        .map((f) => join(CAPS, f)),
    );
    const p = a.points.find((x) => x.id === 'b-node2-any.pcap#if2')!;
    expect(p).toMatchObject({
      node: 'b-node2',
      interface: null,
      unknown: { interface: "a cooked capture (-i any) keeps the interface's index 2, not its name" },
    });
    expect(formatTopology(a)).toMatch(
      /b-node2-any\.pcap#if2 +b-node2 +unknown +underlay .*\n +interface name unknown: a cooked capture \(-i any\) keeps the interface's index 2, not its name/,
    );
    const j = a.journeysForFlow(a.flows.find((f) => f.protocol === 'icmp' && f.a.ip === '10.245.1.2')!.id)[0];
    const at = j.hops.findIndex((h) => h.point === 'b-node2-any.pcap#if2');
    expect(formatJourney(a, j)).toContain(
      `\n  hop ${at + 1}: interface name unknown: a cooked capture (-i any) keeps the interface's index 2, not its name\n`,
    );
  });
});
