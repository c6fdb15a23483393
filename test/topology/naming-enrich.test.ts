import { describe, expect, it } from 'vitest';
import {
  attributionFromFileName,
  captureNames,
  interfaceKindFromName,
  nameShape,
  nodeBeforeOnlyPod,
  nodeBeforePod,
  podFromFileName,
  nodePrefixOf,
  nodesFromDirectories,
  workloadOf,
} from '../../main/topology/naming';
import { parseKubectlJson, parseSubnetEnv, isEnrichmentFile } from '../../main/topology/enrich';
import { parseFlowSpec, parsePacketRef, formatPacketRef, matchesFlowSpec, resolveCaptureRef } from '../../main/topology/select';
import type { Flow } from '../../main/topology/types';

describe('interface kinds from names', () => {
  it.each([
    ['veth1a2b3c4d', 'veth'],
    ['cali12ab34cd56e', 'veth'],
    ['docker0', 'bridge'],
    ['cni0', 'bridge'],
    ['cbr0', 'bridge'],
    ['flannel.1', 'vtep'],
    ['vxlan.calico', 'vtep'],
    ['vxlan0', 'vtep'],
    ['flannel0', 'tun'],
    ['tunl0', 'tun'],
    ['eth0', 'underlay'],
    ['ens3', 'underlay'],
    ['enp0s3', 'underlay'],
    ['bond0', 'underlay'],
    ['any', 'any'],
    ['lo', 'loopback'],
    ['weird9', 'unknown'],
  ])('%s -> %s', (name, kind) => expect(interfaceKindFromName(name)).toBe(kind));
});

describe('attribution from file names', () => {
  it.each([
    ['node1-docker0.pcap', 'node1', 'docker0'],
    ['/x/y/node1_eth0.pcapng', 'node1', 'eth0'],
    ['kind-worker2-flannel.1.pcap', 'kind-worker2', 'flannel.1'],
    ['a-node1-veth9c0d1e2f.pcap.gz', 'a-node1', 'veth9c0d1e2f'],
    ['eth0-node3.pcap', 'node3', 'eth0'],
    ['b-node2-any.pcap', 'b-node2', 'any'],
    ['cni0.pcap', null, 'cni0'],
    ['capture.pcap', null, null],
    ['node3-cilium_vxlan.pcap', 'node3', 'cilium_vxlan'],
    ['web-5d78cf5b9-hk4wz.pcap', null, null],
    // As operators and rotation scripts name files: dates, tools' words, host names with dots.
    ['worker-1_eth0_2026-12-07.pcap', 'worker-1', 'eth0'],
    ['ip-10-0-1-23.ec2.internal_cni0_2026-12-07.pcap', 'ip-10-0-1-23.ec2.internal', 'cni0'],
    ['tcpdump-worker-2-veth3f9a2b1c.pcapng', 'worker-2', 'veth3f9a2b1c'],
    ['node1-eth0-20261207T101010Z.pcap.gz', 'node1', 'eth0'],
    ['2026-12-07_node2_cni0.pcap', 'node2', 'cni0'],
    ['gke-prod-pool-1-abc123_flannel.1_1765101010.pcap', 'gke-prod-pool-1-abc123', 'flannel.1'],
    ['node1_eth0_capture.pcap', 'node1', 'eth0'],
    // 'node_' labels the name that follows: no Kubernetes node name holds '_'.
    ['node_k8s-worker-02_cni0_2026-12-07T10-00-00.pcap', 'k8s-worker-02', 'cni0'],
    ['host_worker-3-eth0.pcap', 'worker-3', 'eth0'],
    ['node_1-eth0.pcap', 'node_1', 'eth0'],
    // The files of a capture rotated by tcpdump -C (or -W): a number after the extension.
    ['node3-ens192.pcap1', 'node3', 'ens192'],
    ['worker-2-eth0.pcap12', 'worker-2', 'eth0'],
    ['worker-5/enp1s0.pcap3', null, 'enp1s0'],
    ['node1_cni0_2026-12-07.pcap07', 'node1', 'cni0'],
    // A whole interface name with a dot is the interface, not '<node>.<iface>'.
    ['vxlan.calico.pcap', null, 'vxlan.calico'],
    ['worker-1-vxlan.calico.pcap', 'worker-1', 'vxlan.calico'],
    ['worker-1-calico.pcap', null, null],
    ['node-2.pcap', null, null],
  ])('%s', (file, node, iface) => {
    const a = attributionFromFileName(file);
    expect([a.node, a.interface]).toEqual([node, iface]);
  });
  it.each([
    ['node-10.0.5.7.pcap', 'node-10.0.5.7', null, '10.0.5.7'],
    ['ip-10-0-5-144-eth0.pcap', 'ip-10-0-5-144', 'eth0', '10.0.5.144'],
    ['ip-10-0-5-144.pcap', 'ip-10-0-5-144', null, '10.0.5.144'],
    ['10.0.5.7.pcapng', 'node-10.0.5.7', null, '10.0.5.7'],
    ['node-300.1.1.1.pcap', null, null, null],
    // An address-named host opening a pod capture's name: that node, the rest is the pod.
    ['ip-10-0-5-205-auth-a7b07b0f3-hptqk.pcap', 'ip-10-0-5-205', null, '10.0.5.205'],
    ['node-10.0.7.149-grafana-0.pcap', 'node-10.0.7.149', null, '10.0.7.149'],
    ['ip-10-0-5-205-7.pcap', null, null, null],
  ])('%s names the node by its address', (file, node, iface, ip) => {
    const a = attributionFromFileName(file);
    expect([a.node, a.interface, a.nodeIp]).toEqual([node, iface, ip]);
  });
  it.each([
    ['capture.pcapng', null, null],
    ['trace.pcap', null, null],
    ['dump.pcapng', null, null],
    ['out.pcap', null, null],
    ['tcpdump.pcap', null, null],
    ['tcpdump-2348.pcapng', null, null],
    ['capture_2024-12-03T101010Z.pcapng', null, null],
    ['capture-eth0.pcap', null, 'eth0'],
    ['capture-4.pcap1', null, null],
    ['eth0-trace.pcap', null, 'eth0'],
  ])('%s is a generic capture name: it names no node', (file, node, iface) => {
    const a = attributionFromFileName(file);
    expect([a.node, a.interface, a.generic]).toEqual([node, iface, true]);
  });
  it.each(['host-a.pcapng', 'dumpling.pcap', 'a-node2.pcapng', 'capture-node3.pcapng', 'ip-10-0-5-7.pcap', 'web-0.pcap'])(
    '%s is no generic capture name',
    (file) => expect(attributionFromFileName(file).generic).toBe(false),
  );
  it.each([
    ['frontend-7d9f8b-x2k4p.pcap', [], 'frontend-7d9f8b-x2k4p', null],
    ['backend-5c6d7-abcde-eth0.pcap', [], 'backend-5c6d7-abcde', null],
    ['frontend-7d9f8b-x2k4p_eth0.pcap', [], 'frontend-7d9f8b-x2k4p', null],
    ['ksniff-backend-5c6d7-abcde-default.pcap', [], 'backend-5c6d7-abcde', 'default'],
    ['ksniff-coredns-5d78c9869d-qk2xz-kube-system.pcap', [], 'coredns-5d78c9869d-qk2xz', 'kube-system'],
    ['ip-10-0-5-205-auth-a7b07b0f3-hptqk.pcap', ['ip-10-0-5-205'], 'auth-a7b07b0f3-hptqk', null],
    ['worker-2-eth0.pcap', ['worker-2'], null, null],
    ['capture.pcap', [], null, null],
    ['redis-0.pcap', [], 'redis-0', null],
    ['node-exporter-x7k2p.pcap', [], 'node-exporter-x7k2p', null],
    // Not pods: a host-side veth's name, a capture word with a serial, a word with no hash or suffix Kubernetes draws.
    ['hp-node2-vethreuse01-2.pcap', ['hp-node2'], null, null],
    ['capture-2.pcap', [], null, null],
    ['custom-block.pcapng', [], null, null],
  ])('a capture taken inside a pod, %s, names the pod', (file, nodes, pod, namespace) => {
    const p = podFromFileName(file, nodes);
    expect(p && [p.pod, p.namespace]).toEqual(pod === null ? null : [pod, namespace]);
  });
  it("a '<node>-<pod>' name splits where the rest is a pod of a workload other captures are named after", () => {
    expect(workloadOf('web-5d78cf5b9-hk4wz')).toBe('web');
    expect(workloadOf('redis-0')).toBe('redis');
    expect(workloadOf('tcpdump')).toBeNull();
    expect(nodeBeforePod('k3s-agent-4-coredns-1', new Set(['coredns']))).toBe('k3s-agent-4');
    expect(nodeBeforePod('k3s-server-backend-a9b7b5dc9b-558fx', new Set(['backend']))).toBe('k3s-server');
    // Without the workload known elsewhere the split is not known: 'a-b-web-0' may be pod 'b-web-0'.
    expect(nodeBeforePod('a-b-web-0', new Set(['api']))).toBeNull();
  });
  it("a '<node>-<pod>' name that splits only one way names its node without help", () => {
    expect(nodeBeforeOnlyPod('gke-prod-default-53c71b30-67qb-auth-863b5ea511-zpbj8')).toBe('gke-prod-default-53c71b30-67qb');
    expect(nodeBeforeOnlyPod('k8s-node-03-redis-0')).toBe('k8s-node-03');
    // Two ways ('b-web-0' or 'web-0'), a whole pod name, no pod at all, or a node part with no letter: not known.
    expect(nodeBeforeOnlyPod('a-b-web-0')).toBeNull();
    expect(nodeBeforeOnlyPod('worker1-web-5d78cf5b9-hk4wz')).toBeNull();
    expect(nodeBeforeOnlyPod('web-5d78cf5b9-hk4wz')).toBeNull();
    expect(nodeBeforeOnlyPod('gke-prod-default-53c71b30-67qb')).toBeNull();
    expect(nodeBeforeOnlyPod('10-0-3-17-redis-0')).toBeNull();
  });
  it('numbered node names share a shape', () => {
    expect(nameShape('node3')).toBe(nameShape('node12'));
    expect(nameShape('aks-nodepool1-12345678-vmss000000')).toBe(nameShape('aks-nodepool1-12345678-vmss000003'));
    expect(nameShape('worker-2')).not.toBe(nameShape('node2'));
  });
  it("a set laid out one directory per node names each file's node by its directory", () => {
    const dirs = nodesFromDirectories([
      '/c/worker-1/eth0.pcap',
      '/c/ip-10-0-1-24/eth0.pcap',
      '/c/worker-1/vxlan.calico.pcap',
      '/c/captures/x.pcap',
    ]);
    expect(dirs.map((d) => d && [d.node, d.nodeIp])).toEqual([['worker-1', null], ['ip-10-0-1-24', '10.0.1.24'], ['worker-1', null], null]);
    // One folder for the whole set, or folders named by date, name no node.
    expect(nodesFromDirectories(['/tmp/x/eth0.pcap', '/tmp/x/cni0.pcap'])).toEqual([null, null]);
    expect(nodesFromDirectories(['/c/2026-12-07/a.pcap', '/c/2026-12-08/a.pcap'])).toEqual([null, null]);
  });
  it('same-named files of a set are told apart by their directories', () => {
    expect(captureNames(['/c/worker-1/eth0.pcap', '/c/worker-2/eth0.pcap', '/c/worker-2/cni0.pcap', '/c/worker-2/cni0.pcap'])).toEqual([
      'worker-1/eth0.pcap',
      'worker-2/eth0.pcap',
      'cni0.pcap',
      'cni0.pcap (2)',
    ]);
  });
  it('a file name starting with a node name other captures give names that node', () => {
    expect(nodePrefixOf('a-node2-web-5d78cf5b9-hk4wz', ['a-node1', 'a-node2', 'a-node'])).toBe('a-node2');
    expect(nodePrefixOf('a-node20-x', ['a-node2'])).toBeNull();
  });
});

describe('kubectl JSON enrichment', () => {
  const list = {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      {
        kind: 'Node',
        metadata: {
          name: 'node1',
          annotations: {
            'flannel.alpha.coreos.com/public-ip': '192.168.56.11',
            'flannel.alpha.coreos.com/backend-data': '{"VNI":1,"VtepMAC":"2E:00:00:00:00:11"}',
            'flannel.alpha.coreos.com/backend-type': 'vxlan',
          },
        },
        spec: { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] },
        status: {
          addresses: [
            { type: 'InternalIP', address: '192.168.56.11' },
            { type: 'Hostname', address: 'node1' },
          ],
        },
      },
      {
        kind: 'Pod',
        metadata: { name: 'web-1', namespace: 'default' },
        spec: { nodeName: 'node2' },
        status: { podIP: '10.244.1.2', podIPs: [{ ip: '10.244.1.2' }] },
      },
      {
        kind: 'Service',
        metadata: { name: 'kube-dns', namespace: 'kube-system' },
        spec: { clusterIP: '10.96.0.10', ports: [{ port: 53, protocol: 'UDP', targetPort: 53 }] },
      },
      {
        kind: 'Endpoints',
        metadata: { name: 'kube-dns', namespace: 'kube-system' },
        subsets: [
          { addresses: [{ ip: '10.244.2.2', targetRef: { kind: 'Pod', name: 'coredns-1' } }], ports: [{ port: 53, protocol: 'UDP' }] },
        ],
      },
      { kind: 'Pod', metadata: {} },
    ],
  };
  it('reads nodes, pods, services and endpoints', () => {
    const e = parseKubectlJson(JSON.stringify(list));
    expect(e.nodes).toEqual([
      {
        name: 'node1',
        internalIps: ['192.168.56.11'],
        podCidrs: ['10.244.0.0/24'],
        publicIp: '192.168.56.11',
        backendType: 'vxlan',
        vtepMac: '2e:00:00:00:00:11',
      },
    ]);
    expect(e.pods[0]).toMatchObject({ name: 'web-1', namespace: 'default', ips: ['10.244.1.2'], node: 'node2' });
    expect(e.services[0]).toMatchObject({
      name: 'kube-dns',
      clusterIps: ['10.96.0.10'],
      ports: [{ port: 53, protocol: 'UDP', targetPort: 53 }],
    });
    expect(e.endpoints[0].addresses).toEqual([{ ip: '10.244.2.2', pod: 'coredns-1', node: null }]);
    expect(e.errors).toHaveLength(1); // the pod without a name
  });
  it('reports bad input instead of throwing', () => {
    expect(parseKubectlJson('{not json').errors[0]).toMatch(/not JSON/);
    expect(parseKubectlJson('[1,2]').errors[0]).toMatch(/not kubectl output/);
  });
  it('recognises enrichment files by name and content', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(isEnrichmentFile('x/cluster.json', enc(' {"items":[]}'))).toBe('kubectl');
    expect(isEnrichmentFile('node1-subnet.env', enc('FLANNEL_NETWORK=10.244.0.0/16'))).toBe('subnet-env');
    expect(isEnrichmentFile('dump', enc('FLANNEL_SUBNET=10.244.1.1/24\n'))).toBe('subnet-env');
    expect(isEnrichmentFile('a.pcap', Uint8Array.from([0xd4, 0xc3, 0xb2, 0xa1]))).toBeNull();
  });
});

describe('flannel subnet.env', () => {
  it('parses the keys and the node from the file name', () => {
    const { env, errors } = parseSubnetEnv(
      'FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n',
      '/tmp/node2-subnet.env',
    );
    expect(errors).toEqual([]);
    expect(env).toEqual({
      source: '/tmp/node2-subnet.env',
      node: 'node2',
      network: '10.244.0.0/16',
      subnet: '10.244.1.1/24',
      mtu: 1450,
      ipMasq: true,
    });
    expect(parseSubnetEnv('FLANNEL_SUBNET=10.244.2.1/24', 'node3/subnet.env').env?.node).toBe('node3');
  });
  it('reports lines it cannot read and files that are not subnet.env', () => {
    expect(parseSubnetEnv('FLANNEL_SUBNET=10.244.1.1/24\ngarbage here\n').errors).toHaveLength(1);
    expect(parseSubnetEnv('HELLO=1').env).toBeNull();
  });
});

describe('flow specs and packet references', () => {
  it('parses the forms the CLI takes', () => {
    expect(parseFlowSpec('10.42.0.5 -> 10.42.1.7 icmp')).toEqual({
      src: '10.42.0.5',
      srcPort: null,
      dst: '10.42.1.7',
      dstPort: null,
      protocol: 'icmp',
      bidirectional: false,
      echoId: null,
    });
    // A flow id as printed is a spec too.
    expect(parseFlowSpec('icmp 10.42.0.5 > 10.42.1.7 id=77')).toMatchObject({ protocol: 'icmp', echoId: 77, bidirectional: false });
    expect(parseFlowSpec('tcp 10.0.0.1:40000 <-> 10.0.0.2:80')).toMatchObject({
      srcPort: 40000,
      dstPort: 80,
      protocol: 'tcp',
      bidirectional: true,
    });
    expect(() => parseFlowSpec('10.0.0.1 icmp')).toThrow(/flow spec/);
    expect(() => parseFlowSpec('hello -> 10.0.0.1')).toThrow(/not an address/);
  });
  it('matches flows in the asked direction', () => {
    const f = { protocol: 'udp', a: { ip: '10.0.0.1', port: 5 }, b: { ip: '10.0.0.2', port: 53 } } as Flow;
    expect(matchesFlowSpec(f, parseFlowSpec('10.0.0.1 -> 10.0.0.2:53 udp'))).toBe(true);
    expect(matchesFlowSpec(f, parseFlowSpec('10.0.0.2 -> 10.0.0.1'))).toBe(false);
    expect(matchesFlowSpec(f, parseFlowSpec('10.0.0.2 <-> 10.0.0.1'))).toBe(true);
    // 'icmp' is ICMP of either IP version; 'icmpv6' only IPv6's.
    const v6 = { protocol: 'icmpv6', a: { ip: 'fd00::2', port: 7 }, b: { ip: 'fd00::3', port: 7 } } as Flow;
    expect(matchesFlowSpec(v6, parseFlowSpec('fd00::2 -> fd00::3 icmp'))).toBe(true);
    expect(matchesFlowSpec(v6, parseFlowSpec('fd00::2 -> fd00::3 icmpv6'))).toBe(true);
    expect(matchesFlowSpec(v6, parseFlowSpec('fd00::2 -> fd00::3 udp'))).toBe(false);
    const v4 = { protocol: 'icmp', a: { ip: '10.0.0.1', port: 7 }, b: { ip: '10.0.0.2', port: 7 } } as Flow;
    expect(matchesFlowSpec(v4, parseFlowSpec('10.0.0.1 -> 10.0.0.2 icmpv6'))).toBe(false);
    expect(matchesFlowSpec(f, parseFlowSpec('10.0.0.1 -> 10.0.0.2 tcp'))).toBe(false);
    const ping = { protocol: 'icmp', a: { ip: '10.0.0.1', port: 77 }, b: { ip: '10.0.0.2', port: 77 } } as Flow;
    expect(matchesFlowSpec(ping, parseFlowSpec('icmp 10.0.0.1 > 10.0.0.2 id=77'))).toBe(true);
    expect(matchesFlowSpec(ping, parseFlowSpec('icmp 10.0.0.1 > 10.0.0.2 id=78'))).toBe(false);
  });
  it('packet references are 1-based in text, 0-based in the API', () => {
    expect(parsePacketRef('dir/node1-eth0.pcap#12')).toEqual({ capture: 'dir/node1-eth0.pcap', index: 11 });
    // A path names the capture by as much of it as is given; several answering is an error, never the first.
    const set = [
      { id: 'worker-1/eth0.pcap', path: '/data/c/worker-1/eth0.pcap' },
      { id: 'worker-2/eth0.pcap', path: '/data/c/worker-2/eth0.pcap' },
      { id: 'cni0.pcap', path: '/data/c/worker-2/cni0.pcap' },
    ];
    expect(resolveCaptureRef('/data/c/worker-2/eth0.pcap', set)).toEqual({ id: 'worker-2/eth0.pcap' });
    expect(resolveCaptureRef('worker-2/eth0.pcap', set)).toEqual({ id: 'worker-2/eth0.pcap' });
    expect(resolveCaptureRef('./worker-2/cni0.pcap', set)).toEqual({ id: 'cni0.pcap' });
    expect(resolveCaptureRef('eth0.pcap', set)).toEqual({
      error: expect.stringMatching(/names 2 captures \(worker-1\/eth0\.pcap, worker-2\/eth0\.pcap\)/),
    });
    expect(resolveCaptureRef('worker-3/eth0.pcap', set)).toEqual({ error: expect.stringMatching(/no capture named/) });
    expect(parsePacketRef('x.pcap#0')).toBeNull();
    expect(formatPacketRef({ capture: 'a.pcap', index: 0 })).toBe('a.pcap#1');
  });
});
