// The random lab and the path-truth ratchet.
// - The plan: a seed always draws the same cluster, and every drawn cluster is one the kernel can build.
// - The generator against the kernel (root): a built seed shows the planned devices, addresses and
//   routes in `ip`'s own words, and leaves no namespace behind.
// - The ratchet (root, or the seeds already in the cache): the product's analysis of a few fixed seeds,
//   scored fact by fact; a class that misses more facts than test/topology/truth-baseline.json allows
//   fails. Without the seeds in the cache (a fresh clone) they are generated, and regenerated captures
//   differ in timing; while the product is short of 100%, some of its answers still depend on that, so
//   the baseline holds, per class, the worst of several regenerations (`--keep-worst`). Raise it after
//   an improvement with `npm run truth -- --seeds 18,33,62,97 --write-baseline test/topology/truth-baseline.json`.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCaptureSet } from '../../main/topology/index';
import { podId, pointElement } from '../../main/topology/graph';
import { buildCluster, seedNamespaces, teardown } from '../../fixtures/random/build';
import { DEFAULT_CACHE, REPO, labUnavailable } from '../../fixtures/random/generate';
import {
  CNI_STYLES,
  atPrefix,
  drawPlan,
  nodeClient,
  podByName,
  type CapturePlan,
  type FlowPlan,
  type RandomPlan,
} from '../../fixtures/random/plan';
import { readBaseline, readRun, regressions, scoreSeed } from '../../fixtures/random/score-cli';
import { captureIds, productPointId, type Fact } from '../../fixtures/random/score';
import { readBack } from '../../fixtures/random/truth';
import { sh } from '../../fixtures/lab/sh';

/**
 * flannel UDP, flannel host-gw (dual-stack), Calico BGP, flannel VXLAN: the smallest plans of those styles.
 * 18, 33 and 97 also send node-to-node traffic; 33 and 97 lie one directory per node, 33 cuts its
 * underlay captures at 96 bytes, 97 rotates one.
 */
const RATCHET_SEEDS = [18, 33, 62, 97];
const BASELINE = path.join(REPO, 'test', 'topology', 'truth-baseline.json');
const CACHE = process.env.TUNNELVISION_RANDLAB_CACHE || DEFAULT_CACHE;
/** Seed 1's capture files as the generator drew them before it drew captures inside pods. */
const SEED1_NODE_CAPTURES = [
  'gke-prod-default-8b8a4288-w86t-eth0.pcap',
  'gke-prod-default-8b8a4288-w86t-cbr0.pcap',
  'gke-prod-default-8b8a4288-w86t-flannel.1.pcap',
  'gke-prod-default-8b8a4288-w86t-veth30ac3937.pcap',
  'gke-prod-default-8b8a4288-w86t-coredns-078706b7f-k5hzl.pcap',
  'gke-prod-default-8b8a4288-w86t-veth3e5a37df.pcap',
  'nginx-1.pcap',
  'gke-prod-default-a22b844b-58dz-any.pcap',
  'capture-3.pcap',
  'gke-prod-default-25bb73ce-nb6p-cbr0.pcap',
  'gke-prod-default-25bb73ce-nb6p-flannel.1.pcap',
  'gke-prod-default-25bb73ce-nb6p-veth372c0015.pcap',
  'node-172.16.90.66.pcap',
  'gke-prod-default-6bcc1071-xcrm-cbr0.pcap',
  'gke-prod-default-6bcc1071-xcrm-flannel.1.pcap',
  'capture-4.pcap',
  'gke-prod-default-6bcc1071-xcrm-backend-e2c134d68-r2tfb.pcap',
  'worker-2.pcap',
  'gke-prod-default-6bcc1071-xcrm-vethc6c13d0d.pcap',
];

describe('random lab plan', () => {
  it('a seed always draws the same plan, and other seeds draw other ones', () => {
    for (const seed of [1, 2, 33, 97]) expect(drawPlan(seed)).toEqual(drawPlan(seed));
    expect(JSON.stringify(drawPlan(7))).not.toEqual(JSON.stringify(drawPlan(13)));
    expect(CNI_STYLES.map((_, i) => drawPlan(i + 1).cni)).toEqual([...CNI_STYLES]);
  });

  it('every drawn plan is one the kernel can build and capture once per interface', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const p = drawPlan(seed);
      expect(p.nodes.length).toBeGreaterThanOrEqual(2);
      expect(p.nodes.length).toBeLessThanOrEqual(6);
      const pods = p.nodes.flatMap((n) => n.pods);
      for (const n of p.nodes) {
        expect(n.pods.length).toBeGreaterThanOrEqual(1);
        expect(n.pods.length).toBeLessThanOrEqual(4);
      }
      const devices = [...pods.map((x) => x.hostVeth), ...p.nodes.flatMap((n) => [n.underlayIf, n.bridge?.name ?? 'lo'])];
      for (const d of devices) expect(d.length, `${d} (seed ${seed})`).toBeLessThanOrEqual(15);
      const ips = [...pods.flatMap((x) => [x.ip, x.ip6]), ...p.nodes.map((n) => n.underlayIp), p.external.ip, p.underlayGateway].filter(
        Boolean,
      );
      expect(new Set(ips).size, `seed ${seed}: addresses unique`).toBe(ips.length);
      expect(new Set(pods.map((x) => x.name)).size).toBe(pods.length);
      expect(new Set(p.captures.map((c) => c.file)).size, `seed ${seed}: file names unique`).toBe(p.captures.length);
      // A capture inside a pod listens on the pod's eth0, a name its node may have too.
      const captured = p.captures.flatMap((c) => c.interfaces.map((i) => `${c.node}/${c.inPod ? `${c.inPod}:` : ''}${i.name}`));
      expect(new Set(captured).size, `seed ${seed}: each interface captured once`).toBe(captured.length);
      for (const n of p.nodes) for (const x of n.pods) expect(captured).toContain(`${n.name}/${x.hostVeth}`);
      for (const c of p.captures.filter((x) => x.inPod)) {
        expect(podByName(p, c.inPod!).node, `seed ${seed}: ${c.file} is on its pod's node`).toBe(c.node);
        expect(c.interfaces).toEqual([{ name: 'eth0', kind: 'veth', pod: c.inPod }]);
      }
      for (const s of p.services) expect(s.backends.every((b) => pods.some((x) => x.name === b))).toBe(true);
      for (const n of p.nodes) expect(Math.abs(n.clockOffsetUs)).toBeLessThanOrEqual(5_000_000);
    }
  });

  it('captures inside pods come from a stream of their own: some seeds draw one or two, and the rest of the plan is what it was', () => {
    const inPod = Array.from({ length: 100 }, (_, i) => drawPlan(i + 1).captures.filter((c) => c.inPod).length);
    expect(inPod.filter((n) => n > 0).length).toBeGreaterThan(30);
    expect(inPod.filter((n) => n === 0).length).toBeGreaterThan(20);
    expect(Math.max(...inPod)).toBe(2);
    // Seed 1's node captures as they were drawn before captures inside pods existed (seed 1 now lays
    // them out one directory per node: <node>-<iface>.pcap became <node>/<iface>.pcap).
    const seed1 = drawPlan(1);
    expect(seed1.layout).toBe('per-node');
    const flat = (c: CapturePlan): string => (c.naming.startsWith('dir-') ? c.file.replace('/', '-') : c.file.slice(c.node.length + 1));
    expect(seed1.captures.filter((c) => !c.inPod).map(flat)).toEqual(SEED1_NODE_CAPTURES);
    expect(seed1.captures.filter((c) => c.inPod).map(flat)).toEqual(['cache-1-eth0.pcap', 'grafana-0-eth0.pcap']);
  });

  it('a run under another namespace prefix ($TVR_PREFIX) renames its namespaces and nothing else', () => {
    const p = drawPlan(13);
    const q = atPrefix(p, 'rv9');
    const names = (x: RandomPlan): string[] => [x.external.ns, ...x.nodes.flatMap((n) => [n.ns, ...n.pods.map((y) => y.ns)])];
    expect(names(q).every((n) => n.startsWith('rv913-'))).toBe(true);
    expect(names(q).map((n) => n.slice('rv913-'.length))).toEqual(names(p).map((n) => n.slice('tvr13-'.length)));
    const strip = (x: RandomPlan): string => JSON.stringify(x).replaceAll(x.prefix, '');
    expect(strip(q)).toEqual(strip(p));
    expect(atPrefix(p, 'tvr')).toBe(p);
    expect(() => atPrefix(p, 'No-Dash')).toThrow(/prefix/);
  });

  it("node-to-node traffic and the operators' ways of capturing are drawn on some seeds each, from streams of their own", () => {
    const plans = Array.from({ length: 100 }, (_, i) => drawPlan(i + 1));
    const share = (f: (p: RandomPlan) => boolean): number => plans.filter(f).length;
    const nodeFlows = (p: RandomPlan): FlowPlan[] =>
      p.flows.filter((f) => nodeClient(f.from) !== null || p.nodes.some((n) => n.underlayIp === f.dst && f.from !== 'external'));
    for (const [what, n] of [
      ['node-to-node traffic', share((p) => nodeFlows(p).length > 0)],
      ['one directory per node', share((p) => p.layout === 'per-node')],
      ["dated and tools' names", share((p) => p.captures.some((c) => c.decoration))],
      ['a snap length of 96', share((p) => p.captures.some((c) => c.snaplen === 96))],
      ['a rotated capture', share((p) => p.captures.some((c) => c.rotate))],
    ] as const) {
      expect(n, what).toBeGreaterThan(15);
      expect(n, what).toBeLessThan(90);
    }
    for (const p of plans) {
      // The flows drawn before node traffic keep their markers; the node flows come after them.
      const k = p.flows.findIndex((f) => nodeFlows(p).includes(f));
      if (k >= 0)
        expect(
          p.flows.slice(k).every((f) => nodeFlows(p).includes(f)),
          `seed ${p.seed}`,
        ).toBe(true);
      for (const c of p.captures) {
        if (p.layout === 'per-node') expect(c.file.startsWith(`${c.node}/`), `seed ${p.seed}: ${c.file}`).toBe(true);
        else expect(c.file).not.toContain('/');
        if (c.snaplen || c.rotate) expect(c.interfaces.map((i) => i.kind)).toEqual(['underlay']);
        expect(!!(c.snaplen && c.rotate)).toBe(false);
      }
    }
  });
});

describe('random lab against the kernel', () => {
  it('a built seed shows the planned devices, addresses and routes in the kernel, and teardown leaves nothing', async (ctx) => {
    const why = labUnavailable();
    if (why) {
      console.warn(`skipped: ${why}`);
      ctx.skip();
    }
    const plan = drawPlan(113); // Cilium-like (2 nodes, 3 pods): lxc veths, no bridge, cilium_vxlan with a drawn VNI
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tvr-kernel-'));
    try {
      await buildCluster(plan, work);
      for (const n of plan.nodes) {
        const links = JSON.parse(sh(['ip', '-n', n.ns, '-j', '-d', 'link', 'show'])) as {
          ifname: string;
          address: string;
          mtu: number;
          linkinfo?: { info_kind: string; info_data?: { id?: number; port?: number } };
        }[];
        const byName = new Map(links.map((l) => [l.ifname, l]));
        expect(byName.get(n.underlayIf)?.address).toBe(n.underlayMac);
        expect(byName.has('cni0') || [...byName.values()].some((l) => l.linkinfo?.info_kind === 'bridge')).toBe(false);
        const vx = byName.get(plan.overlay!.device)!;
        expect(vx.linkinfo?.info_kind).toBe('vxlan');
        expect(vx.linkinfo?.info_data).toMatchObject({ id: plan.overlay!.vni, port: plan.overlay!.port });
        for (const p of n.pods) {
          expect(byName.get(p.hostVeth)?.linkinfo?.info_kind).toBe('veth');
          const eth = (
            JSON.parse(sh(['ip', '-n', p.ns, '-j', 'addr', 'show', 'dev', 'eth0'])) as {
              address: string;
              mtu: number;
              addr_info: { local: string }[];
            }[]
          )[0];
          expect(eth.address).toBe(p.mac);
          expect(eth.mtu).toBe(p.mtu);
          expect(eth.addr_info.map((a) => a.local)).toContain(p.ip);
        }
        const routes = sh(['ip', '-n', n.ns, 'route', 'show']);
        for (const r of plan.nodes)
          if (r !== n) expect(routes).toContain(`${r.podCidr} via ${r.routerIp} dev ${plan.overlay!.device} onlink`);
        // The missing route: only the no-route client's node answers its pods with ICMP unreachable.
        if (n.name === plan.unroutable.node) expect(routes).toContain(`unreachable ${plan.unroutable.prefix}`);
        else expect(routes).not.toContain('unreachable');
      }
      const rb = readBack(plan);
      for (const n of plan.nodes) expect(rb.nodeLinks.get(n.name)!.get(n.underlayIf)!.address).toBe(n.underlayMac);
    } finally {
      await teardown(plan, null);
      fs.rmSync(work, { recursive: true, force: true });
    }
    expect(seedNamespaces(plan.prefix)).toEqual([]);
  }, 240_000);
});

describe('path truth ratchet', () => {
  const baseline = readBaseline(BASELINE);

  it('reports a class that misses more facts than its baseline, and lets one that misses fewer pass', () => {
    const fact = (cls: Fact['class'], right: boolean): Fact => ({ class: cls, subject: 's', expected: 'x', got: right ? 'x' : 'y', right });
    const b = { seeds: { '1': { cni: 'flannel-vxlan', classes: { pods: '2/3', verdict: '1/2' } } } };
    expect(
      regressions(b, 1, [fact('pods', true), fact('pods', true), fact('pods', true), fact('verdict', true), fact('verdict', false)]),
    ).toEqual([]);
    expect(
      regressions(b, 1, [fact('pods', true), fact('pods', false), fact('pods', false), fact('verdict', true), fact('verdict', false)]),
    ).toEqual(['pods: 1/3 now, 2/3 in the baseline']);
    // A phantom (an extra wrong fact) is a regression too, and a seed without a baseline is reported.
    expect(
      regressions(b, 1, [fact('pods', true), fact('pods', true), fact('pods', false), fact('pods', false), fact('verdict', true)]),
    ).toHaveLength(1);
    expect(regressions(b, 2, [])).toEqual(['seed 2 has no baseline']);
    for (const seed of RATCHET_SEEDS) expect(baseline.seeds[String(seed)], `baseline of seed ${seed}`).toBeDefined();
  });

  for (const seed of RATCHET_SEEDS)
    it(`seed ${seed} (${drawPlan(seed).cni}): no fact class misses more than the baseline`, async (ctx) => {
      const cached = readRun(path.join(CACHE, `seed-${seed}`)) !== null;
      const why = cached ? null : labUnavailable();
      if (why) {
        console.warn(`skipped: seed ${seed} is not in ${CACHE} and ${why}`);
        ctx.skip();
      }
      // A run cached by an older generator is of another cluster: it must be deleted, not scored.
      if (cached)
        expect(
          JSON.parse(fs.readFileSync(path.join(CACHE, `seed-${seed}`, 'plan.json'), 'utf8')),
          `stale run in ${CACHE}/seed-${seed}`,
        ).toEqual(JSON.parse(JSON.stringify(drawPlan(seed))));
      const { facts } = await scoreSeed(seed, CACHE, loadCaptureSet);
      expect(facts.length).toBeGreaterThan(30);
      expect(regressions(baseline, seed, facts)).toEqual([]);
    }, 240_000);
});

describe('captures taken inside pods', () => {
  // Seed 97 has one named node2/capture-91.pcap (nothing in its name: time decides; the directory
  // gives the node), seed 62 one named <node>-<pod>-eth0.pcap (its name decides).
  for (const seed of [62, 97])
    it(`seed ${seed}: the capture inside a pod is the pod's own interface on its node, drawn on the pod; its host-side veth stays the pod's veth`, async (ctx) => {
      const cached = readRun(path.join(CACHE, `seed-${seed}`)) !== null;
      const why = cached ? null : labUnavailable();
      if (why) {
        console.warn(`skipped: seed ${seed} is not in ${CACHE} and ${why}`);
        ctx.skip();
      }
      if (!cached) await scoreSeed(seed, CACHE, loadCaptureSet);
      const run = readRun(path.join(CACHE, `seed-${seed}`))!;
      const inPod = run.truth.captures.filter((c) => c.naming.startsWith('in-pod'));
      expect(inPod.length).toBeGreaterThan(0);
      const a = await loadCaptureSet(run.files);
      // The product names a file by as much of its path as tells it apart ('capture-91.pcap' in node1/).
      const ids = captureIds(run.truth, a);
      const pointOf = (id: string): string =>
        productPointId(
          run.truth.points.find((x) => x.id === id)!,
          ids,
        );
      for (const c of inPod) {
        const tp = run.truth.points.find((p) => p.file === c.file)!;
        const tpod = run.truth.pods.find((p) => p.name === tp.pod)!;
        const p = a.points.find((x) => x.id === pointOf(tp.id))!;
        expect(p.kind).toBe('veth');
        expect(p.evidence.map((e) => e.reason).join('\n')).toMatch(/the pod's own interface \(inside its network namespace\)/);
        const pod = a.model.pods.find((x) => x.ip === tpod.ips[0])!;
        expect(pod.ownPoints).toEqual([p.id]);
        expect(a.model.veths.find((v) => v.id === pod.veth)?.point).toBe(pointOf(tpod.vethPoint));
        expect(a.model.veths.some((v) => v.point === p.id)).toBe(false);
        expect(pointElement(p, a.model)).toBe(podId(pod.id));
      }
    }, 240_000);
});
