// The analysis pipeline over a filled PacketTable: attribution, node facts, journeys (two passes
// around the clock estimate), cluster model, flows, enrichment, findings.

import { TunnelKind } from '../engine/decode/types';
import { cidr6Contains, cidrContains, cidrToString, ip4ToString, macToString, parseCidr4, parseIp4, parseIp6, type Cidr4 } from './addr';
import {
  akey,
  attributeByName,
  DST_KEY,
  inferKinds,
  localSenders,
  nicHosts,
  nodeVotes,
  oneBridgePerNode,
  tiedPodsByTime,
  tiedPodsByTunnel,
  podBlockTest,
  twinCaptures,
  podNamedFiles,
  podOwnInterfaces,
  podSideInterfaces,
  podCidrs,
  podCidrs6,
  pointStats,
  stampGrains,
  tunnelFacts,
  unboundedBlocks,
  voteWinner,
  type PointDraft,
} from './attribution';
import { estimateClocks, farOffsets, type ClockEstimate, type DomainOffset, type FarOffset } from './clock';
import type { Enrichment } from './enrich';
import { EMPTY_ENRICHMENT } from './enrich';
import { EvidenceAcc, evidence, packetRef } from './evidence';
import { buildFlows, unreversedNat } from './flows';
import { OffloadIndex } from './offload';
import { undecapsulatedTunnels, unmasqueradedHairpins } from './path-findings';
import { hostNicAddresses } from './host-nics';
import {
  floodedRows,
  floodedText,
  headersAt,
  hopOrder,
  journeyOutcome,
  judge,
  materialize,
  natBetween,
  unseenLeaving,
  type EmptyPoint,
  nativePairs,
  type HopContext,
} from './hops';
import { direction } from '../../common/text';
import { findAnswers, quotingErrors, type QuotedError } from './verdict';
import { groupByKey, orderHops, splitJourneys, untranslatable, withoutRows, type JourneyIndex } from './journeys';
import { buildModel, settleUnknowns, type NatObservation, type NodeDraft, type NodeOwnAddress } from './model';
import type { IcmpError, IcmpTooBig, PacketTable } from './table';
import type {
  AnalysisData,
  CaptureFile,
  CapturePoint,
  ClockOffset,
  ClusterModel,
  Evidence,
  Finding,
  Flow,
  InterfaceKind,
  Journey,
  PacketRef,
  PointOverride,
} from './types';
import { checkLeases } from './flannel-leases';
import { unconnectedClusters } from './clusters';
import { combineAnalyses, filesByCluster, partOfSet, splitText } from './split';
import { applyBgp, withBgp, type BgpCollector } from './calico/bgp-routes';
import { attributePodLoopback } from './calico/pod-local';
import { withNames } from './name-history';
import { WEIGHT } from './solve';
import { attributionFromFileName, baseName, interfaceKindFromName, isRotationPiece } from './naming';
import { firstRouterOf, ownNicAddresses, routedNodeAddresses, routedNodeFacts } from './calico/routed';
import { staleVtepFindings } from './vtep-mac';

export interface AnalyzeOptions {
  readonly overrides?: readonly PointOverride[];
  readonly enrichment?: Enrichment;
  /** Sightings of the same bytes further apart than this (after clock correction) are separate packets. Default 1000 ms. */
  readonly matchWindowMs?: number;
  /** Window of the first pass, before clock offsets are known: the largest clock difference between two nodes. Default 10 s. */
  readonly firstPassWindowMs?: number;
  /** BGP facts collected while reading (pod blocks and node addresses of a routed cluster). */
  readonly bgp?: BgpCollector;
  /** Analyse the set as one cluster even when it looks like several (the parts of a set split by cluster). */
  readonly oneCluster?: boolean;
}

/** The API object: data (serialisable through toJSON) plus journey look-ups computed on demand. */
export interface Analysis extends AnalysisData {
  readonly journeys: { readonly count: number; get(id: number): Journey };
  /** The journey a packet belongs to (capture id + 0-based index), null when it has none (ARP...). */
  journeyForPacket(capture: string, index: number): Journey | null;
  /** Journeys of a flow (through NAT too), in time order; `limit` caps the list (default 1000). */
  journeysForFlow(flowId: string, limit?: number): Journey[];
  /** The ids (journey numbers) of a flow's journeys in journeysForFlow's order, none of them built. */
  journeyIdsForFlow(flowId: string): readonly number[];
  flow(id: string): Flow | undefined;
  /** The per-packet table (columnar) for filters and lists. */
  readonly table: PacketTable;
  /**
   * The time (table time, ns, before clock correction) each capture point, by index, counts as
   * capturing: its node's captures' span, or its own first to last packet for a piece of a rotated
   * capture. A packet not seen at a point within it went elsewhere; outside it, nothing is known.
   */
  readonly runSpans: readonly (readonly [number, number])[];
  /**
   * Capture files with no packet named after a node and an interface of it (hops.ts EmptyPoint):
   * they have no capture point, but the path check takes each as a capture of that interface that
   * ran while its node's other captures did (`runSpan`, table time) and saw nothing.
   */
  readonly emptyPoints: readonly {
    readonly id: string;
    readonly node: string;
    readonly interface: string;
    readonly kind: InterfaceKind;
    readonly runSpan: readonly [number, number];
    /** The cluster of a set analysed cluster by cluster (split.ts), from 1. */
    readonly cluster?: number;
  }[];
  /**
   * A node's own addresses inside its pod block, by address text: its tunnel device's ('vtep') and
   * its bridge's ('bridge', the gateway). The node sends from them and receives on them: no pods.
   * In a set analysed cluster by cluster, an address two clusters' nodes hold is keyed
   * '<address> (cluster N)' in each.
   */
  readonly nodeOwn: ReadonlyMap<string, { readonly node: string; readonly at: 'vtep' | 'bridge' }>;
  /**
   * By node id, the IPv4 block the path finder places addresses by where the model states the pod
   * CIDR unknown (read from the addresses the tunnel packets carry, no prefix length on the wire).
   */
  readonly workingBlocks: ReadonlyMap<string, string>;
  toJSON(): AnalysisData;
}

export interface FileDraft {
  readonly id: string;
  readonly path: string;
  readonly format: string;
  readonly packetCount: number;
  readonly linktypes: readonly number[];
  readonly errors: CaptureFile['errors'];
  /** First table row of this file (rows of one file are contiguous, in file order). */
  readonly firstRow: number;
  readonly points: number[];
}

const MAX_FINDINGS_PER_CODE = 200;

export function analyze(t: PacketTable, files: readonly FileDraft[], pointsIn: readonly PointDraft[], opts: AnalyzeOptions = {}): Analysis {
  // Inference writes into the points: work on copies so the same read can be analysed again.
  const points: PointDraft[] = pointsIn.map((p) => ({ ...p, evidence: [] }));
  const ids = files.map((f) => f.id);
  const enrich = opts.enrichment ?? EMPTY_ENRICHMENT;
  const findings: Finding[] = [];
  const perCode = new Map<string, number>();
  const roomFor = (code: string) => (perCode.get(code) ?? 0) < MAX_FINDINGS_PER_CODE;
  const addFinding = (f: Finding) => {
    if (!roomFor(f.code)) return;
    perCode.set(f.code, (perCode.get(f.code) ?? 0) + 1);
    findings.push(f);
  };

  // 1. Names, then what tunnel packets say, then kinds: the names' claims weighed against the traffic's.
  const named = attributeByName(points, opts.overrides ?? []);
  const podOfPoint = attributePodLoopback(points);
  const facts = tunnelFacts(t);
  const narrowed = new Set<number>();
  const cidrs = podCidrs(facts, narrowed);
  const cidrs6 = podCidrs6(facts, t.ip6);
  // Blocks the tunnel packets do not bound: guesses to place addresses by, stated as unknown. A BGP
  // route names the block itself.
  const guessedBlock = unboundedBlocks(facts, cidrs, narrowed);
  if (opts.bgp) {
    for (const { cidr, nextHop } of opts.bgp.owners().values()) if (guessedBlock.delete(nextHop)) cidrs.set(nextHop, cidr);
    applyBgp(opts.bgp, facts.nodeIps, cidrs);
  }
  const inPodBlock = podBlockTest(t, cidrs, cidrs6);
  const st = pointStats(t, points, facts.vtepMacs, facts.nodeIps, inPodBlock, facts.bridgedHosts);
  inferKinds(t, points, st, ids, named, (message, ev) =>
    addFinding({ code: 'attribution', severity: 'warning', message, packets: ev.packets }),
  );
  podNamedFiles(points, named, t, inPodBlock);
  const twoClusters = unconnectedClusters(t, ids, facts);
  // Clusters whose captures fall apart (files, names and node addresses of one cluster only): each analysed on its own.
  const byCluster =
    twoClusters && !opts.oneCluster
      ? filesByCluster(
          t,
          files,
          points,
          twoClusters.groupOf,
          named.nodeIp.map((a) => (a === null ? null : parseIp4(a))),
        )
      : null;
  if (twoClusters && byCluster) {
    const parts = [...byCluster.clusters, ...(byCluster.rest.length ? [byCluster.rest] : [])].map((fs) => {
      const part = partOfSet(t, files, pointsIn, fs);
      return { files: fs, analysis: analyze(part.table, part.files, part.points, { ...opts, oneCluster: true }) };
    });
    const message = `${twoClusters.found}. ${splitText(files, points, byCluster)}`;
    return combineAnalyses(
      t,
      files,
      pointsIn.map((p) => p.id),
      parts,
      [{ code: 'attribution', severity: 'warning', message, packets: twoClusters.evidence.packets }],
    );
  }
  if (twoClusters)
    addFinding({ code: 'attribution', severity: 'warning', message: twoClusters.evidence.reason, packets: twoClusters.evidence.packets });

  // Journeys, first pass on raw times (wide window): which captures see the same packets, and how
  // close in time, ties node names and points to nodes when the addresses cannot.
  const groups = groupByKey(t);
  const firstWindow = (opts.firstPassWindowMs ?? 10_000) * 1e6;
  const j1 = splitJourneys(t, groups, { time: (r) => t.tNs[r], windowNs: firstWindow });

  // 2. Nodes: link node names to underlay addresses through the points' votes.
  let votes = nodeVotes(t, points, cidrs, facts.nodeIps, cidrs6);
  // Files named after a node's address name that node.
  const ipOfPoint = named.nodeIp.map((a) => (a === null ? null : parseIp4(a)));
  for (const ip of ipOfPoint) if (ip !== null && !facts.nodeIps.has(ip)) facts.nodeIps.set(ip, new EvidenceAcc());
  // A file of several interfaces that nothing names (an unnamed `-i any` capture or pcapng) is one
  // node all the same: it gets a provisional name, which becomes 'node-<ip>' once the traffic gives
  // its address, or merges with the name that has it.
  const provisional = new Set<string>();
  for (const f of files) {
    if (f.points.length < 2 || f.points.some((pi) => points[pi].node !== null || ipOfPoint[pi] !== null)) continue;
    const n = `capture:${f.id}`;
    provisional.add(n);
    for (const pi of f.points) points[pi].node = n;
  }
  const nameWeight = new Map<string, number>();
  const nameTop = new Map<string, number>();
  points.forEach((p, i) => {
    if (p.node === null) return;
    nameWeight.set(p.node, (nameWeight.get(p.node) ?? 0) + named.nodeWeight[i]);
    nameTop.set(p.node, Math.max(nameTop.get(p.node) ?? 0, named.nodeWeight[i]));
  });
  // Surest names first: they claim addresses before names that are only a file's stem. Names the
  // user gave come last: moving a capture to another node does not take the address (and the other
  // captures) of the node it was on.
  const rank = (n: string): number => (nameTop.get(n)! >= WEIGHT.user ? -1 : nameTop.get(n)!);
  const names = [...nameWeight.keys()].sort((a, b) => rank(b) - rank(a) || nameWeight.get(b)! - nameWeight.get(a)!);
  const nameIp = new Map<string, number>();
  const ownerOfIp = new Map<number, string>();
  /** Names that turned out to name the same node as a surer name. */
  const alias = new Map<string, string>();
  const nameWhy = new Map<string, Evidence>();
  const bind = (name: string, ip: number, why: Evidence) => {
    nameIp.set(name, ip);
    ownerOfIp.set(ip, name);
    nameWhy.set(name, why);
  };
  // How good a name is for a node: the user's > a file's '<node>-<iface>' or '<node>-<pod>' > the
  // address-made 'node-<ip>' > a pcapng's file stem ('tcpdump-2348').
  const namePref = (n: string): number =>
    provisional.has(n)
      ? 0
      : nameTop.get(n)! >= WEIGHT.user
        ? 4
        : /^node-[0-9a-f.:]+$/i.test(n)
          ? 2
          : nameTop.get(n)! >= WEIGHT.fileName - 1
            ? 3
            : 1;
  /** `name` is the node at `ip`: bind it, or merge it with the name that has the address (the better name stays). */
  const join = (name: string, ip: number, why: Evidence): void => {
    const owner = ownerOfIp.get(ip);
    if (owner === undefined) return bind(name, ip, why);
    // A node the user named keeps its name and captures: the traffic does not overrule the user.
    if (owner === name || namePref(name) === 4) return;
    if (namePref(name) > namePref(owner)) {
      nameIp.delete(owner);
      for (const [a, b] of alias) if (b === owner) alias.set(a, name);
      alias.set(owner, name);
      nameWhy.set(owner, why);
      bind(name, ip, why);
    } else {
      alias.set(name, owner);
      nameWhy.set(name, why);
    }
  };
  const pointsOf = (name: string) => points.flatMap((p, i) => (p.node === name ? [i] : []));
  const addrText = (k: number) => (k >= 4294967296 ? (t.ip6[k - 4294967296] ?? '?') : ip4ToString(k));
  // kubectl / flannel annotations name addresses directly.
  for (const en of enrich.nodes) {
    for (const a of [...en.internalIps, ...(en.publicIp ? [en.publicIp] : [])]) {
      const ip = parseIp4(a);
      if (ip !== null && facts.nodeIps.has(ip) && !ownerOfIp.has(ip) && !names.includes(en.name))
        bind(en.name, ip, { reason: `kubectl / flannel annotations give ${en.name} the address ${a}`, packets: [], count: 0 });
    }
  }
  // A name whose captures include one named after an address.
  for (const name of names) {
    const ips = new Set(
      pointsOf(name)
        .map((i) => ipOfPoint[i])
        .filter((x): x is number => x !== null),
    );
    if (ips.size === 1 && !nameIp.has(name))
      join(name, [...ips][0], {
        reason: `a capture of ${name} is named after the address ${addrText([...ips][0])}`,
        packets: [],
        count: 0,
      });
  }
  // One pod sending unrouted (initial TTL) on pod-side captures of two names: one segment, one node.
  const rootOf = (n: string): string => {
    let x = n;
    while (alias.has(x)) x = alias.get(x)!;
    return x;
  };
  /** A capture placed under `name` has a file name that starts with `other` ('<other>-cni0-ops2.pcap' in a folder 'dup-late'). */
  const fileStartsWith = (name: string, other: string): boolean =>
    points.some((p) => p.node === name && baseName(p.id).startsWith(`${other}-`));
  const sendersOf = new Map<number, Set<string>>();
  points.forEach((p, i) => {
    if (p.node === null || (p.kind !== 'veth' && p.kind !== 'bridge')) return;
    for (const a of st[i].initTtl.keys()) if (st[i].addrs.has(a)) (sendersOf.get(a) ?? sendersOf.set(a, new Set()).get(a)!).add(p.node);
  });
  for (const [a, set] of sendersOf) {
    // A node's own address unrouted on two nodes' captures is their shared underlay segment; so is
    // any address outside every pod block (a second NIC's network, management or storage, perhaps
    // bridged on each host): hosts on one segment, not one pod.
    if (facts.nodeIps.has(a) || inPodBlock(a) === false) continue;
    const list = [...new Set([...set].map(rootOf))].filter((n) => namePref(n) < 4);
    if (list.length < 2) continue;
    list.sort((x, y) => namePref(y) - namePref(x) || (nameWeight.get(y) ?? 0) - (nameWeight.get(x) ?? 0));
    const keep = list[0];
    for (const other of list.slice(1)) {
      // Names already tied to two different node addresses are two hosts.
      if (nameIp.has(other) && nameIp.has(keep) && nameIp.get(other) !== nameIp.get(keep)) continue;
      // Two names that files give as node names are two hosts: hosts on one flat underlay, or pods on
      // one bridged (L2) overlay, send unrouted on every node's captures. Only a file name that splits
      // two ways ('k8s-node-03.lab-antrea-gw0': node 'k8s-node-03.lab' or 'k8s-node-03.lab-antrea'),
      // or that starts with the other name while its folder gives another, lets the traffic pick.
      if (
        namePref(keep) === 3 &&
        namePref(other) === 3 &&
        !oneNameExtends(keep, other) &&
        !fileStartsWith(other, keep) &&
        !fileStartsWith(keep, other)
      )
        continue;
      const why = {
        reason: `${addrText(a)} sends unrouted (initial TTL) on captures of both ${keep} and ${other}: one segment, one node`,
        packets: [],
        count: 0,
      };
      const ip = nameIp.get(other);
      if (ip !== undefined && !nameIp.has(keep)) {
        nameIp.delete(other);
        bind(keep, ip, why);
      }
      alias.set(other, keep);
      nameWhy.set(other, why);
    }
  }
  // Routed clusters: the node's MAC on the underlay carries its pods' packets; ARP names the MAC.
  const podNode = new Map<number, string>();
  const localOfName = localSenders(
    points,
    st,
    points.map((p) => (p.node === null ? -1 : names.indexOf(rootOf(p.node)))),
  );
  for (const [a, n] of localOfName) if (n >= 0 && a !== 0) podNode.set(a, names[n]);
  let learned = false;
  for (const [name, ra] of routedNodeAddresses(t, points, podNode)) {
    if (nameIp.has(name)) continue;
    if (!facts.nodeIps.has(ra.ip)) {
      facts.nodeIps.set(ra.ip, ra.acc);
      learned = true;
    }
    join(name, ra.ip, evidence(t, ids, ra.reason, ra.acc));
  }
  // Node addresses the routed traffic gave: the points' votes count them too.
  if (learned) votes = nodeVotes(t, points, cidrs, facts.nodeIps, cidrs6);
  const sumVotes = (name: string, skipOwned: boolean) => {
    const sum = new Map<number, number>();
    let total = 0;
    for (const i of pointsOf(name)) {
      total += votes[i].total;
      for (const [k, n] of votes[i].votes) if (!skipOwned || !ownerOfIp.has(k)) sum.set(k, (sum.get(k) ?? 0) + n);
    }
    return { votes: sum, total };
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const name of names) {
      if (nameIp.has(name) || alias.has(name)) continue;
      const all = sumVotes(name, false);
      const w = voteWinner(all, 0.5);
      const why = (ip: number) => ({
        reason: `${all.votes.get(ip)} of ${all.total} packets of ${name}'s captures touch ${addrText(ip)} or its pod CIDR`,
        packets: [],
        count: all.votes.get(ip) ?? 0,
      });
      const owner = w.winner !== null ? ownerOfIp.get(w.winner) : undefined;
      // Two names that files give as node names ('node1-eth0.pcap', 'node2-cni0.pcap') are two hosts:
      // a majority of votes alone does not merge them (traffic seen one way only votes for the
      // sender's addresses everywhere); the name takes the address its own captures alone point to.
      const twoNamedHosts = owner !== undefined && namePref(name) === 3 && namePref(owner) === 3;
      if (w.winner !== null && owner !== undefined && owner !== name && namePref(name) < 4 && !twoNamedHosts) {
        join(name, w.winner, why(w.winner));
        changed = true;
        continue;
      }
      const free = w.winner !== null && !twoNamedHosts ? w : voteWinner(sumVotes(name, true), 0.5);
      if (free.winner !== null) {
        bind(name, free.winner, why(free.winner));
        changed = true;
      }
    }
  }
  // Names the addresses leave tied (a node's NIC sees both ends of every tunnel): the address whose
  // captures see the same packets closest in time (one clock, one host: microseconds apart).
  for (const name of names) {
    if (nameIp.has(name) || alias.has(name)) continue;
    const all = sumVotes(name, false);
    let top = 0;
    for (const n of all.votes.values()) top = Math.max(top, n);
    const cands = [...all.votes.entries()].filter(([, n]) => top > 0 && n === top).map(([ip]) => ip);
    if (cands.length < 2) continue;
    const mine = new Set(pointsOf(name));
    const gaps: [number, number][] = [];
    for (const ip of cands) {
      const owner = ownerOfIp.get(ip);
      const theirs = new Set(
        points.flatMap((p, i) =>
          !mine.has(i) &&
          ((owner !== undefined && (p.node === owner || alias.get(p.node ?? '') === owner)) ||
            ipOfPoint[i] === ip ||
            (p.node === null && voteWinner(votes[i]).winner === ip))
            ? [i]
            : [],
        ),
      );
      const g = medianGap(t, j1, mine, theirs);
      if (g !== null) gaps.push([ip, g]);
    }
    if (gaps.length === 0) continue;
    gaps.sort((a, b) => a[1] - b[1]);
    if (gaps.length > 1 && gaps[1][1] < 1.5 * gaps[0][1] + 1000) continue;
    const ip = gaps[0][0];
    const reason = `its captures see the same packets closest in time to ${addrText(ip)}'s (median gap ${gaps.map(([x, g]) => `${addrText(x)} ${(g / 1000).toFixed(1)} µs`).join(', ')})`;
    join(name, ip, { reason, packets: [], count: 0 });
  }
  // Names still without an address (a routed cluster's node captured only on its NIC, none of its
  // pods captured): the NIC's own MAC is on every unicast frame it sees, and ARP names it.
  let ownLearned = false;
  const unbound = (pi: number): string | undefined => {
    const n = points[pi].node;
    return n !== null && !nameIp.has(n) && !alias.has(n) && !provisional.has(n) ? n : undefined;
  };
  // Two names whose NIC captures have the same own MAC are one node: `join` merges them.
  for (const [name, ra] of ownNicAddresses(t, points, unbound, new Set(ownerOfIp.keys()))) {
    if (!facts.nodeIps.has(ra.ip)) {
      facts.nodeIps.set(ra.ip, ra.acc);
      ownLearned = true;
    }
    join(name, ra.ip, evidence(t, ids, ra.reason, ra.acc));
  }
  if (ownLearned) votes = nodeVotes(t, points, cidrs, facts.nodeIps, cidrs6);
  for (const n of provisional) {
    if (alias.has(n)) continue;
    const ip = nameIp.get(n);
    const pts = pointsOf(n);
    if (ip === undefined) {
      // Nothing tied the file to an address: its points are placed one by one below.
      for (const i of pts) points[i].node = null;
      nameWeight.delete(n);
      continue;
    }
    const id = `node-${addrText(ip)}`;
    if (nameWeight.has(id)) {
      alias.set(n, id);
      continue;
    }
    for (const i of pts) {
      points[i].node = id;
      points[i].nodeSource = 'traffic';
    }
    nameWeight.delete(n);
    nameWeight.set(id, 0);
    nameIp.delete(n);
    bind(id, ip, nameWhy.get(n) ?? { reason: `the traffic of the file's interfaces gives ${addrText(ip)}`, packets: [], count: 0 });
  }
  for (const [weak, direct] of alias) {
    const strong = rootOf(direct);
    const sure = (nameWeight.get(weak) ?? 0) >= WEIGHT.fileName && (nameWeight.get(strong) ?? 0) >= WEIGHT.fileName;
    if (sure)
      addFinding({
        code: 'attribution',
        severity: 'warning',
        message: `captures named after ${weak} and after ${strong} are on the same node (${nameWhy.get(weak)?.reason}): taken as ${strong}`,
        packets: [],
        node: strong,
      });
    for (const i of pointsOf(weak)) {
      const was = provisional.has(weak) ? 'one of the interfaces of its file' : `named after ${weak}`;
      points[i].evidence.push({ reason: `${was}, which is ${strong} by the traffic: ${nameWhy.get(weak)?.reason}`, packets: [], count: 0 });
      points[i].node = strong;
      if (points[i].nodeSource === 'none') points[i].nodeSource = 'traffic';
    }
  }
  const liveNames = [...nameWeight.keys()].filter((n) => !alias.has(n)); // in the order the captures name them
  const nodes: NodeDraft[] = [];
  const nodeByName = new Map<string, number>();
  const nodeOfIp = new Map<number, number>();
  const enrichName = (ip: number): string | null => {
    for (const en of enrich.nodes) if ([...en.internalIps, en.publicIp].includes(addrText(ip))) return en.name;
    return null;
  };
  for (const name of liveNames) {
    const ip = nameIp.get(name);
    const i = nodes.length;
    const why = nameWhy.get(name);
    if (why && ip !== undefined)
      for (const pi of pointsOf(name))
        points[pi].evidence.push({ ...why, reason: `${name} is the node at ${addrText(ip)}: ${why.reason}` });
    nodes.push({
      id: name,
      name,
      ips: ip !== undefined ? [ip] : [],
      cidr: ip !== undefined ? (cidrs.get(ip) ?? null) : null,
      cidr6: ip !== undefined ? (cidrs6.get(ip) ?? null) : null,
      points: [],
      evidence: [],
    });
    nodeByName.set(name, i);
    if (ip !== undefined) nodeOfIp.set(ip, i);
  }
  const sameBlock = (ip: number): number => {
    const c = cidrs.get(ip);
    const c6 = cidrs6.get(ip);
    if (c || c6) {
      return nodes.findIndex(
        (n) =>
          (c && n.cidr && n.cidr.base === c.base && n.cidr.len === c.len) ||
          (c6 && n.cidr6 && n.cidr6.len === c6.len && n.cidr6.bytes.every((x, i) => x === c6.bytes[i])),
      );
    }
    // An address that only receives: the node whose block holds every inner destination it receives for.
    let owner = -1;
    for (const k of facts.innerOf.get(ip)?.keys() ?? []) {
      if (k < DST_KEY) continue;
      const a = k - DST_KEY;
      const b6 = a >= 4294967296 ? parseIp6(t.ip6[a - 4294967296] ?? '') : null;
      const n = nodes.findIndex(
        (x) =>
          (a < 4294967296 && x.cidr !== null && cidrContains(x.cidr, a)) || (b6 !== null && x.cidr6 != null && cidr6Contains(x.cidr6, b6)),
      );
      if (n < 0 || (owner >= 0 && n !== owner)) return -1;
      owner = n;
    }
    return owner;
  };
  /** The node at an underlay address no node holds yet: named by the enrichment, else after the address (one node per name). */
  const nodeAt = (ip: number): number => {
    const en = enrichName(ip);
    const name = en ?? `node-${addrText(ip)}`;
    let i = nodeByName.get(name);
    if (i === undefined) {
      i = nodes.length;
      nodes.push({ id: name, name: en, ips: [], cidr: cidrs.get(ip) ?? null, cidr6: cidrs6.get(ip) ?? null, points: [], evidence: [] });
      nodeByName.set(name, i);
    }
    nodes[i].ips.push(ip);
    nodeOfIp.set(ip, i);
    return i;
  };
  for (const ip of facts.nodeIps.keys()) {
    if (nodeOfIp.has(ip)) continue;
    // An underlay address whose pod block another node already has: that node's second address.
    const same = sameBlock(ip);
    // Not across clusters opened together (one address family: a dual-stack node has one of each):
    // each has its own node with that block.
    const otherCluster =
      twoClusters !== null &&
      same >= 0 &&
      nodes[same].ips.some((x) => x >= 4294967296 === ip >= 4294967296 && twoClusters.groupOf(x) !== twoClusters.groupOf(ip));
    if (same >= 0 && !otherCluster) {
      nodes[same].ips.push(ip);
      nodes[same].cidr ??= cidrs.get(ip) ?? null;
      nodes[same].cidr6 ??= cidrs6.get(ip) ?? null;
      nodeOfIp.set(ip, same);
      continue;
    }
    nodeAt(ip);
  }
  for (const n of nodes) {
    for (const ip of n.ips) {
      n.evidence.push(
        evidence(t, ids, `${addrText(ip)} is an outer address of tunnel packets: a node's underlay address`, facts.nodeIps.get(ip) ?? null),
      );
      const inner = facts.innerOf.get(ip);
      const guess = guessedBlock.get(ip);
      const c = cidrs.get(ip);
      if (guess && n.cidr && c && c.base === n.cidr.base && c.len === n.cidr.len) n.cidrUnknown = guess;
      else if (n.cidr && inner) {
        const acc = new EvidenceAcc();
        for (const [k, a] of inner) if (k < 4294967296 * 2) acc.merge(a);
        n.evidence.push(evidence(t, ids, `this node encapsulates inner sources inside ${cidrToString(n.cidr)}: its pod CIDR`, acc));
      }
    }
  }

  // 3. Points without a node: the node every packet touches; ties wait for the journeys.
  const nodeOfPoint = new Int32Array(points.length).fill(-1);
  const ambiguous = new Map<number, number[]>();
  points.forEach((p, i) => {
    if (p.node !== null) {
      nodeOfPoint[i] = nodeByName.get(p.node) ?? -1;
      return;
    }
    const byName = ipOfPoint[i] !== null ? nodeOfIp.get(ipOfPoint[i]) : undefined;
    if (byName !== undefined) {
      nodeOfPoint[i] = byName;
      p.node = nodes[byName].id;
      p.nodeSource = 'file-name';
      return;
    }
    const w = voteWinner(votes[i]);
    if (w.winner !== null) {
      const n = nodeOfIp.get(w.winner);
      if (n !== undefined) {
        nodeOfPoint[i] = n;
        p.node = nodes[n].id;
        p.nodeSource = 'traffic';
        p.evidence.push({
          ...evidence(t, ids, `every packet touches ${nodes[n].id} (${addrText(w.winner)} or its pod CIDR)`, st[i].allAcc),
          count: votes[i].total,
        });
      }
    } else if (w.tied.length > 1) {
      ambiguous.set(
        i,
        w.tied.map((ip) => nodeOfIp.get(ip)).filter((n): n is number => n !== undefined),
      );
    }
  });
  // Pods on their own segment: a point where an address sends with an initial TTL (not routed yet)
  // that also sends so on one node's pod-side points is on that node (routed clusters have no
  // tunnel to learn pod blocks from; the pods themselves tie the captures together).
  const localTo = localSenders(points, st, nodeOfPoint);
  points.forEach((p, i) => {
    if (nodeOfPoint[i] >= 0 || (p.kind !== 'veth' && p.kind !== 'bridge')) return;
    const hits = new Map<number, number[]>();
    for (const a of st[i].initTtl.keys()) {
      if (!st[i].addrs.has(a)) continue; // link-local and multicast senders are on every segment
      const n = localTo.get(a);
      if (n !== undefined && n >= 0) hits.set(n, [...(hits.get(n) ?? []), a]);
    }
    if (hits.size !== 1) return;
    const [n, addrs] = [...hits.entries()][0];
    nodeOfPoint[i] = n;
    p.node = nodes[n].id;
    p.nodeSource = 'traffic';
    const acc = new EvidenceAcc();
    for (const a of addrs) acc.merge(st[i].addrAcc.get(a) ?? new EvidenceAcc());
    p.evidence.push(
      evidence(
        t,
        ids,
        `${addrs.map(addrText).join(', ')} send here unrouted (initial TTL), as they do on ${nodes[n].id}'s pod-side captures: their node [traffic]`,
        acc,
      ),
    );
    ambiguous.delete(i);
  });
  // Same file, same node (an `any` capture's interfaces, a pcapng's interfaces).
  for (const f of files) {
    const known = f.points.map((pi) => nodeOfPoint[pi]).find((n) => n >= 0);
    if (known === undefined) continue;
    for (const pi of f.points) {
      if (nodeOfPoint[pi] >= 0) continue;
      nodeOfPoint[pi] = known;
      points[pi].node = nodes[known].id;
      points[pi].nodeSource = 'traffic';
      ambiguous.delete(pi);
    }
  }

  // A NIC capture nothing placed: the host whose MAC is on every unicast frame, by the node address it sends.
  const nics = new Set(points.map((p, i) => (nodeOfPoint[i] < 0 && p.kind === 'underlay' ? i : -1)).filter((i) => i >= 0));
  if (nics.size > 0)
    for (const [i, h] of nicHosts(t, nics, nodeOfIp)) {
      const n = nodeOfIp.get(h.ip) ?? nodeAt(h.ip);
      nodeOfPoint[i] = n;
      points[i].node = nodes[n].id;
      points[i].nodeSource = 'traffic';
      points[i].evidence.push(
        evidence(
          t,
          ids,
          h.by === 'ip'
            ? `every unicast frame here is to or from ${macToString(t.macs[h.mac])}, which sends ${addrText(h.ip)} (${nodes[n].id}) with an initial TTL: that host's NIC [traffic]`
            : `every unicast frame here is to or from ${macToString(t.macs[h.mac])}, which gives ${addrText(h.ip)} as its address in ARP and no capture names: the NIC of a node at that address [traffic]`,
          h.acc,
        ),
      );
      ambiguous.delete(i);
    }
  // Points nothing else placed (a pod capture named after the pod on a routed cluster): every node
  // is a candidate, the journeys decide.
  points.forEach((p, i) => {
    if (nodeOfPoint[i] < 0 && !ambiguous.has(i) && p.count > 0 && nodes.length > 0 && !(p.kind === 'any' && p.ifindex === null))
      ambiguous.set(
        i,
        nodes.map((_, n) => n),
      );
  });

  // A routed cluster's pod capture: the node whose NIC routes the pod's packets first is its node.
  const podOfAmbiguous = new Map<number, number>();
  for (const i of ambiguous.keys())
    if (points[i].kind === 'veth' && points[i].podIp >= 0 && points[i].podIp < 4294967296) podOfAmbiguous.set(i, points[i].podIp);
  if (podOfAmbiguous.size > 0) {
    const router = firstRouterOf(t, points, new Set(podOfAmbiguous.values()), j1, new Set(podOfAmbiguous.keys()));
    for (const [i, a] of podOfAmbiguous) {
      const ra = router.get(a);
      const n = ra ? nodeOfIp.get(ra.ip) : undefined;
      if (!ra || n === undefined || !ambiguous.get(i)!.includes(n)) continue;
      nodeOfPoint[i] = n;
      points[i].node = nodes[n].id;
      points[i].nodeSource = 'traffic';
      points[i].evidence.push(evidence(t, ids, `${ra.reason} (${nodes[n].id}) [traffic]`, ra.acc));
      ambiguous.delete(i);
    }
  }
  // 4. Ties between nodes settled by the first-pass journeys; then a node keeps one bridge.
  if (ambiguous.size > 0) resolveByTime(t, j1, points, nodeOfPoint, ambiguous, nodes);
  // How finely each point's stamps tell time: twins, clock bounds and the hop order all allow for it.
  const grainOfPoint = stampGrains(t, points.length);
  const twinRows = twinCaptures(t, points, nodeOfPoint, ids, grainOfPoint);
  oneBridgePerNode(t, points, st, nodeOfPoint, ids);
  tiedPodsByTunnel(t, points, st, nodeOfPoint, nodeOfIp, facts.bridgedHosts, ids);
  tiedPodsByTime(t, points, st, nodeOfPoint, ids);
  const nodeNames = nodes.map((n) => n.id);
  podSideInterfaces(t, points, nodeOfPoint, ids, nodeNames);
  const inPod = podOwnInterfaces(t, points, nodeOfPoint, nodeNames);
  for (const [i, p] of inPod) if (p.inside && !podOfPoint.has(i)) podOfPoint.set(i, p.name ?? addrText(p.podIp));

  // 5. Clock domains = nodes (a capture with no node is its own domain); offsets.
  const domainOfPoint = new Int32Array(points.length);
  let domains = nodes.length;
  const fileDomain = new Map<number, number>();
  points.forEach((p, i) => {
    if (nodeOfPoint[i] >= 0) domainOfPoint[i] = nodeOfPoint[i];
    else {
      let d = fileDomain.get(p.file);
      if (d === undefined) {
        d = domains++;
        fileDomain.set(p.file, d);
      }
      domainOfPoint[i] = d;
    }
  });
  const rowsPerDomain = new Float64Array(domains);
  points.forEach((p, i) => (rowsPerDomain[domainOfPoint[i]] += p.count));
  let reference = 0;
  for (let d = 1; d < domains; d++) if (rowsPerDomain[d] > rowsPerDomain[reference]) reference = d;
  // A domain with a microsecond capture knows its packets' times to a microsecond only.
  const grainOfDomain = new Float64Array(domains);
  points.forEach((p, i) => {
    if (p.count > 0 && grainOfPoint[i] > 1) grainOfDomain[domainOfPoint[i]] = Math.max(grainOfDomain[domainOfPoint[i]], grainOfPoint[i]);
  });
  const clockOf = (journeysIn: JourneyIndex): ClockEstimate | null =>
    domains > 0
      ? estimateClocks({
          table: t,
          journeys: journeysIn,
          domainOfPoint,
          domains,
          reference,
          grainOfDomain,
          senderDomain: (r) => {
            if (t.tunnel[r] === TunnelKind.NONE || t.outerVer[r] === 0) return -1;
            const n = nodeOfIp.get(akey(t.outerVer[r], t.outerSrc[r]));
            return n === undefined ? -1 : n;
          },
        })
      : null;
  let clock = clockOf(j1);
  // A clock set further off than the first window relates to no other: when its packets are seen
  // elsewhere at one constant offset all the same, the first pass is done again with that offset
  // taken out, and the estimate says so.
  const far = clock
    ? farOffsets({
        table: t,
        domainOfPoint,
        domains,
        groups,
        offsets: clock.offsets,
        windowNs: firstWindow,
        skip: (r) => untranslatable(t, r),
      })
    : new Map<number, FarOffset>();
  if (far.size > 0) {
    const shift = new Float64Array(domains);
    for (const [d, f] of far) shift[d] = f.offsetNs;
    clock = clockOf(splitJourneys(t, groups, { time: (r) => t.tNs[r] - shift[domainOfPoint[t.point[r]]], windowNs: firstWindow }));
  }
  const offsets = clock?.offsets ?? [];
  const offsetOfPoint = new Float64Array(points.length);
  points.forEach((_, i) => (offsetOfPoint[i] = offsets[domainOfPoint[i]]?.offsetNs ?? 0));
  // A capture no node could be given keeps a clock of its own: it is named as the capture it is
  // (the clock table, the findings), never in the form of a node's id.
  const domainName = (d: number) =>
    d < nodes.length ? nodes[d].id : `capture ${ids[[...fileDomain.entries()].find(([, x]) => x === d)?.[0] ?? 0]} (node unknown)`;
  const clockOffsets: ClockOffset[] = offsets.map((o, d) => ({
    node: domainName(d),
    reference: domainName(o.reference),
    offsetNs: o.offsetNs,
    uncertaintyNs: o.uncertaintyNs,
    samples: o.samples,
    method: o.method,
    lowerNs: o.lowerNs,
    upperNs: o.upperNs,
    pinned: o.method === 'reference' || o.method === 'two-way',
    note: clockNote(o, d, domainName, firstWindow) + (far.has(d) ? `; ${farNote(far.get(d)!, domainName, firstWindow)}` : ''),
  }));
  for (const [d, f] of far)
    addFinding({
      code: 'clock-offset',
      severity: 'warning',
      packets: [],
      node: domainName(d),
      message: `${domainName(d)}'s clock seems ${farText(f.offsetNs)} ${f.offsetNs > 0 ? 'ahead of' : 'behind'} ${domainName(f.against)}'s, beyond --max-skew (${Math.round(firstWindow / 1e6)} ms): ${farNote(f, domainName, firstWindow)}`,
    });
  if (clock && (clock.outliers > 0 || clock.inconsistentPairs.length > 0)) {
    const pairs = clock.inconsistentPairs.map(([a, b]) => `${domainName(a)} / ${domainName(b)}`);
    addFinding({
      code: 'clock-offset',
      severity: 'warning',
      packets: [],
      message: `${clock.outliers} matched packets contradicted the others' clock bounds and were left out of the clock estimate${pairs.length ? `; the packets between ${pairs.join(', ')} contradict each other, so those clocks are not related` : ''} (packets matched wrongly, or captures of one node that do not share its clock)`,
    });
  }

  // A node's addresses on its other NICs (a management or API network): the host's own packets there.
  const podAddrs = new Set<number>();
  for (const p of points) if (p.kind === 'veth') for (const a of [p.podIp, p.podIp6 ?? -1]) if (a >= 0) podAddrs.add(a);
  for (const [ip, h] of hostNicAddresses(t, points, nodeOfPoint, nodeOfIp, (a) => podAddrs.has(a) || inPodBlock(a) !== false)) {
    nodeOfIp.set(ip, h.node);
    nodes[h.node].ips.push(ip);
    nodes[h.node].evidence.push(
      evidence(
        t,
        ids,
        h.how === 'outgoing'
          ? `${addrText(ip)} sends out of a NIC of this node with an initial TTL, unencapsulated (the capture's direction): the host's own address there`
          : `${addrText(ip)} sends from MAC ${macToString(h.mac)} with an initial TTL, unencapsulated, to another node's NIC, on this node's NIC capture (a NIC sees its own frames): the host's own address there`,
        h.acc,
      ),
    );
  }

  // 6. Journeys, second pass on corrected times; hop order.
  const window = (opts.matchWindowMs ?? 1000) * 1e6;
  // A frame captured twice on one interface is one sighting: the twin's copies are no hop.
  const journeys = splitJourneys(t, twinRows.includes(1) ? withoutRows(groups, twinRows) : groups, {
    time: (r) => t.tNs[r] - offsetOfPoint[t.point[r]],
    windowNs: window,
  });
  const tooBig = new Map<string, IcmpTooBig>();
  for (const x of t.tooBig) tooBig.set(`${x.quotedSrc}|${x.quotedDst}|${x.quotedId}`, x);
  const runSpan = captureRunSpans(points, nodeOfPoint, nodes.length);
  const emptyPoints = emptyCapturePoints(files, points, nodeOfPoint, nodes, (n) => offsets[n]?.offsetNs ?? 0);
  const kindsPresent = new Set([...points.map((p) => p.kind), ...emptyPoints.map((p) => p.kind)]);
  const tunnelKindBetween = new Map<string, number>();
  for (const p of facts.pairs.values()) {
    const a = nodeOfIp.get(p.src);
    const b = nodeOfIp.get(p.dst);
    if (a !== undefined && b !== undefined) tunnelKindBetween.set(`${Math.min(a, b)}|${Math.max(a, b)}`, p.type);
  }
  let underlayMtu = 1500;
  for (let r = 0; r < t.count; r++)
    if (t.tunnel[r] !== TunnelKind.NONE && t.outerLen[r] > underlayMtu && (t.outerFrag[r] & 0x3fff) === 0) underlayMtu = t.outerLen[r];
  const quoted = new Map<number, QuotedError[]>();
  const answers = new Int32Array(journeys.count).fill(-1);
  const podPlacement = new Map<number, number>();
  const nodeOwn = new Map<number, NodeOwnAddress>();
  const nativeBetween = new Set<string>();
  const offload = new OffloadIndex(t, (r) => t.tNs[r] - offsetOfPoint[t.point[r]]);
  const ctx: HopContext = {
    t,
    ids,
    points,
    nodeOfPoint,
    nodes,
    offsetOfPoint,
    nodeOfIp,
    tooBig,
    runSpan,
    grainOfPoint,
    kindsPresent,
    tunnelKindBetween,
    underlayMtu,
    clock: clock ? { domainOfPoint, interval: clock.interval, name: domainName, offsets } : undefined,
    quoted,
    answers,
    podPlacement,
    nodeOwn,
    journeys,
    offload,
    emptyPoints,
    nativeBetween,
  };
  orderHops(journeys, hopOrder(ctx));
  // What the verdicts rest on besides the captures: ICMP errors quoting a packet, answers to it.
  const correctedTime = (r: number) => t.tNs[r] - offsetOfPoint[t.point[r]];
  for (const [k, v] of quotingErrors(t, journeys, correctedTime)) quoted.set(k, v);

  // 7. Flows (their client side tells a service's replies from an SNAT).
  const pointIds = points.map((p) => p.id);
  const fx = buildFlows(t, journeys, pointIds);
  offload.withTuples(fx.tupleOfRow);

  // 8. NAT along journeys -> services. A service is an address translated to backends: the
  // destination rewritten on the way in. The address an SNAT gives a packet's source is no service
  // even though the replies to it are rewritten back (un-SNAT looks like DNAT on the way back).
  // Which came first tells them apart: a service's address is a destination before it is ever a
  // rewritten source (the replies' un-DNAT); an SNAT address is a rewritten source first.
  const natObs = new Map<string, NatObservation>();
  const firstAsSource = new Map<string, number>();
  const firstAsDest = new Map<string, number>();
  const endpoint = (r: number, src: boolean) =>
    `${t.innerProto[r]}|${akey(t.innerVer[r], src ? t.innerSrc[r] : t.innerDst[r])}|${src ? t.sport[r] : t.dport[r]}`;
  const earliest = (m: Map<string, number>, k: string, tt: number) => m.set(k, Math.min(m.get(k) ?? Number.POSITIVE_INFINITY, tt));
  // Addresses a NAT gave a packet's source (a node masquerading, a VIP un-DNATing replies): no pod's.
  const natSources = new Set<number>();
  for (let k = 0; k < journeys.count; k++) {
    for (let i = journeys.start[k] + 1; i < journeys.start[k + 1]; i++) {
      const a = journeys.rows[i - 1];
      const b = journeys.rows[i];
      const kind = natBetween(t, a, b);
      const tt = t.tNs[a] - offsetOfPoint[t.point[a]];
      if ((kind === 'snat' || kind === 'dnat+snat') && t.innerSrc[a] !== t.innerSrc[b]) natSources.add(akey(t.innerVer[b], t.innerSrc[b]));
      if (kind === 'snat' || kind === 'dnat+snat') earliest(firstAsSource, endpoint(b, true), tt);
      if (kind === 'dnat' || kind === 'dnat+snat') earliest(firstAsDest, endpoint(a, false), tt);
    }
  }
  // vipRow/backendRow: the packet addressed from or to the service address, and the one from or to the backend.
  const observe = (vipRow: number, backendRow: number, vipSide: 'src' | 'dst', natRow: number, rows: number[]) => {
    const ver = t.innerVer[vipRow];
    const [vip, vipPort, backend, backendPort] =
      vipSide === 'dst'
        ? [t.innerDst[vipRow], t.dport[vipRow], t.innerDst[backendRow], t.dport[backendRow]]
        : [t.innerSrc[vipRow], t.sport[vipRow], t.innerSrc[backendRow], t.sport[backendRow]];
    // Per node too: one service translated on several nodes (each client's own, a hairpin on the backend's).
    const n = nodeOfPoint[t.point[natRow]];
    const key = `${t.innerProto[vipRow]}|${vip}|${vipPort}|${backend}|${backendPort}|${n}`;
    let o = natObs.get(key);
    if (!o) {
      o = {
        proto: t.innerProto[vipRow],
        vip: akey(ver, vip),
        vipPort,
        backend: akey(ver, backend),
        backendPort,
        node: n >= 0 ? nodes[n].id : null,
        acc: new EvidenceAcc(),
      };
      natObs.set(key, o);
    }
    for (const r of rows) o.acc.add(r);
  };
  for (let k = 0; k < journeys.count; k++) {
    for (let i = journeys.start[k] + 1; i < journeys.start[k + 1]; i++) {
      const a = journeys.rows[i - 1];
      const b = journeys.rows[i];
      const kind = natBetween(t, a, b);
      // A reply's source rewritten on its way back to the client is a service's un-DNAT: all that
      // shows the service when the client's request was only captured after DNAT (on the bridge).
      if (kind === 'snat' && fx.fromClient(a) === false) observe(b, a, 'src', b, [a, b]);
      if (kind !== 'dnat' && kind !== 'dnat+snat') continue;
      const e = endpoint(a, false);
      if ((firstAsSource.get(e) ?? Number.POSITIVE_INFINITY) < firstAsDest.get(e)!) continue;
      observe(a, b, 'dst', b, [a, b]);
    }
  }
  nodes.forEach((n) => (n.points = []));
  points.forEach((_, i) => nodeOfPoint[i] >= 0 && nodes[nodeOfPoint[i]].points.push(i));
  const built = buildModel({ t, ids, points, nodes, facts, nat: [...natObs.values()], natSources, nodeOfPoint, inPod });
  // The path checks below know each placed pod's node, also where no pod CIDR or veth capture tells it.
  for (const [k, n] of built.nodeOfPod) podPlacement.set(k, n);
  for (const [k, o] of built.nodeOwn) nodeOwn.set(k, o);
  // Which node pairs route their pods natively (a cluster tunnelling only across subnets).
  if (kindsPresent.has('vtep') || kindsPresent.has('tun')) for (const k of nativePairs(ctx)) nativeBetween.add(k);
  // A tunnel packet to a VTEP's old MAC that its node's bridge or a veth saw later was taken: not stale.
  const passedOn = (r: number, n: number): boolean => {
    const j = journeys.journeyOfRow[r];
    for (let k = j < 0 ? 0 : journeys.start[j]; j >= 0 && k < journeys.start[j + 1]; k++) {
      const x = journeys.rows[k];
      const kind = points[t.point[x]].kind;
      if (nodeOfPoint[t.point[x]] === n && (kind === 'bridge' || kind === 'veth') && t.tNs[x] >= t.tNs[r]) return true;
    }
    return false;
  };
  for (const f of staleVtepFindings(t, ids, nodes, built.vtepChanges, (ns) => vtepTime(t.epochSec, ns), passedOn)) addFinding(f);

  const flowIds = fx.flows.map((f) => f.id);
  answers.set(findAnswers(t, journeys, correctedTime, fx.tupleOfRow));

  // 9. Enrichment: names, and disagreements with the traffic.
  const model = settleUnknowns(
    routedNodeFacts(t, points, withNames(withBgp(applyEnrichment(built, enrich, addFinding), opts.bgp), fx.flows, enrich.names), (r) =>
      packetRef(t, ids, r),
    ),
  );

  // 10. Findings from journeys, flows, reads, clocks.
  for (const f of files)
    for (const e of f.errors)
      addFinding({
        code: 'read-error',
        severity: e.fatal ? 'problem' : 'warning',
        message: `${f.id}: ${e.message} (offset ${e.offset})`,
        packets: [],
      });
  for (const e of enrich.errors) addFinding({ code: 'enrichment-disagreement', severity: 'warning', message: e, packets: [] });
  for (const f of sameInterfaceTwice(points)) addFinding({ code: 'attribution', severity: 'warning', message: f, packets: [] });
  for (const p of points) {
    if (p.twinOf === undefined) continue;
    const m = points[p.twinOf];
    addFinding({
      code: 'attribution',
      severity: 'warning',
      message: `${m.id} and ${p.id} are the same interface (${m.interface ?? m.kind} of ${m.node ?? '?'}) captured twice at the same time: they hold the same frames at the same times; each frame counts once, as ${m.id}'s`,
      packets: p.evidence.at(-1)?.packets ?? [],
      ...(m.node ? { node: m.node } : {}),
    });
  }
  for (const [pi, cands] of ambiguous) {
    addFinding({
      code: 'attribution',
      severity: 'warning',
      message: `${points[pi].id}: could be on ${cands.map((c) => nodes[c].id).join(' or ')}; the traffic does not tell them apart`,
      packets: [],
    });
  }
  for (const o of clockOffsets) {
    if (o.method === 'two-way' && Math.abs(o.offsetNs) > 1e6) {
      addFinding({
        code: 'clock-offset',
        severity: 'info',
        message: `${o.node}'s clock is ${(o.offsetNs / 1e6).toFixed(3)} ms ${o.offsetNs > 0 ? 'ahead of' : 'behind'} ${o.reference}'s (±${((o.uncertaintyNs ?? 0) / 1e6).toFixed(3)} ms); hop times are corrected`,
        packets: [],
        node: o.node,
      });
    } else if (o.method === 'one-way') {
      addFinding({
        code: 'clock-offset',
        severity: 'warning',
        message: `${o.node}'s clock against ${o.reference}'s is ${o.note}; latencies between them are shown as bounds`,
        packets: [],
        node: o.node,
      });
    }
  }
  const missedBy = new Map<string, EvidenceAcc>();
  // Drops told the same way (the same direction, place and reason) are one finding with a count.
  const drops = new Map<string, { what: string; finding: Finding; n: number; packets: PacketRef[] }>();
  const unseen = new Map<string, { what: string; finding: Finding; n: number; packets: PacketRef[] }>();
  const rows: number[] = [];
  for (let k = 0; k < journeys.count; k++) {
    rows.length = 0;
    for (let i = journeys.start[k]; i < journeys.start[k + 1]; i++) rows.push(journeys.rows[i]);
    const { status, missed } = journeyOutcome(ctx, k, rows);
    if (status === 'dropped') {
      // The reasons (text) only for the findings kept.
      if (!roomFor('dropped')) continue;
      const { pc, verdict } = judge(ctx, k, rows);
      // Copies the bridge flooded to other pods' veths are not on its way: it was last seen before them.
      const flooded = new Set(floodedRows(ctx, rows));
      const last = rows.filter((r) => !flooded.has(r)).at(-1) ?? rows[rows.length - 1];
      // Where it went no further: the first capture that missed it after its last sighting, not one
      // before (a NIC whose snap length hid it, a capture that started late).
      const misses = pc.gaps.filter((g) => g.point !== null);
      const lastAfter = misses.reduce((m, g) => Math.max(m, g.afterHop), -1);
      const miss = misses.find((g) => g.afterHop === lastAfter);
      const fl = fx.flowOfRow[rows[0]];
      const where = `last seen at ${points[t.point[last]].id}${verdict.code === 'icmp-error' || verdict.code === 'rejected' || verdict.code === 'unanswered' ? `; ${verdict.reason}` : miss ? `, never reached ${miss.point}` : ''}${flooded.size ? floodedText(ctx, rows) : ''}`;
      const what = droppedPacketText(t, rows[0], flowIds[fl]);
      const same = drops.get(`${what}|${where}`);
      if (same) {
        same.n++;
        if (same.packets.length < 50) same.packets.push(...rows.map((r) => packetRef(t, ids, r)));
      } else
        drops.set(`${what}|${where}`, {
          what,
          n: 1,
          packets: rows.map((r) => packetRef(t, ids, r)),
          finding: {
            code: 'dropped',
            severity: 'problem',
            message: where,
            packets: [],
            flow: flowIds[fl],
            journey: k,
            node: nodeOfPoint[t.point[last]] >= 0 ? nodes[nodeOfPoint[t.point[last]]].id : undefined,
          },
        });
    } else {
      // To an address no capture places, last seen on a node's pod side, never on that node's way out.
      const gone = status === 'unknown' ? unseenLeaving(ctx, rows) : null;
      if (gone) {
        const last = points[t.point[rows[rows.length - 1]]].id;
        const fl = fx.flowOfRow[rows[0]];
        const dst = t.addr(t.innerVer[rows[rows.length - 1]], t.innerDst[rows[rows.length - 1]]);
        const key = `${flowIds[fl]}|${last}|${gone.captures.join(',')}`;
        const u = unseen.get(key);
        if (u) {
          u.n++;
          if (u.packets.length < 50) u.packets.push(...rows.map((r) => packetRef(t, ids, r)));
        } else
          unseen.set(key, {
            what: droppedPacketText(t, rows[0], flowIds[fl]),
            n: 1,
            packets: rows.map((r) => packetRef(t, ids, r)),
            finding: {
              code: 'not-seen-leaving',
              severity: 'warning',
              message:
                `to ${dst}, an address no capture places on a node (so where it is, and the way there, are unknown): last seen at ${last}; ` +
                `${gone.node}'s captures beyond its pod side (${gone.captures.join(', ')}) were capturing and never saw it, and nothing answered it: ` +
                `${gone.node} dropped it, or sent it on where nothing was captured`,
              packets: [],
              flow: flowIds[fl],
              journey: k,
              node: gone.node,
            },
          });
      }
      // Seen before and after a running capture that missed it: that capture lost packets.
      for (const g of missed) {
        let acc = missedBy.get(g.point);
        if (!acc) missedBy.set(g.point, (acc = new EvidenceAcc()));
        acc.add(rows[Math.max(0, g.afterHop)]);
      }
    }
  }
  for (const d of [...drops.values(), ...unseen.values()])
    addFinding({ ...d.finding, message: `${d.what}${d.n > 1 ? ` (${d.n} packets)` : ''}: ${d.finding.message}`, packets: d.packets });
  for (const [point, acc] of missedBy) {
    addFinding({
      code: 'path-gap',
      severity: 'warning',
      message: `${point} missed ${acc.count} packets seen before and after it on their path (capture drops, or the capture started late / stopped early)`,
      packets: evidence(t, ids, '', acc).packets,
    });
  }
  // One ICMP error is seen on every capture it crosses: one finding per error, citing each sighting.
  const tooBigSeen = new Map<string, PacketRef[]>();
  const tunnelQuoted = new Map<number, NonNullable<IcmpError['quotedTunnel']>>();
  for (const e of t.icmpErrors) if (e.quotedTunnel) tunnelQuoted.set(e.row, e.quotedTunnel);
  const nodeText = (ip: number) => {
    const n = nodeOfIp.get(ip);
    return n === undefined ? ip4ToString(ip) : nodes[n].id;
  };
  for (const x of t.tooBig) {
    const key = `${x.mtu}|${x.quotedSrc}|${x.quotedDst}|${x.quotedId}`;
    const seen = tooBigSeen.get(key);
    if (seen) {
      seen.push(packetRef(t, ids, x.row));
      continue;
    }
    const packets = [packetRef(t, ids, x.row)];
    tooBigSeen.set(key, packets);
    addFinding({
      code: 'icmp-frag-needed',
      severity: 'problem',
      message: `ICMP fragmentation needed (next-hop MTU ${x.mtu}) for ${ip4ToString(x.quotedSrc)} -> ${ip4ToString(x.quotedDst)}${tunnelTooBig(tunnelQuoted.get(x.row), x.mtu, nodeText)}`,
      packets,
    });
  }
  const badCk = new Map<number, EvidenceAcc>();
  const frag = new Map<number, EvidenceAcc>();
  for (let r = 0; r < t.count; r++) {
    const f = t.flags[r];
    if (f & 4) (badCk.get(t.point[r]) ?? badCk.set(t.point[r], new EvidenceAcc()).get(t.point[r])!).add(r);
    if (f & 8 || (t.ipCount[r] > 1 && (t.outerFrag[r] & 0x3fff) !== 0))
      (frag.get(t.point[r]) ?? frag.set(t.point[r], new EvidenceAcc()).get(t.point[r])!).add(r);
  }
  for (const [p, acc] of badCk)
    addFinding({
      code: 'bad-checksum',
      severity: 'warning',
      message: `${acc.count} packets with a bad IPv4 header checksum on ${points[p].id} (checksum offload on the sending host also shows this)`,
      packets: evidence(t, ids, '', acc).packets,
    });
  for (const [p, acc] of frag)
    addFinding({
      code: 'fragmented',
      severity: 'warning',
      message: `${acc.count} IP fragments on ${points[p].id}: packets larger than the path MTU`,
      packets: evidence(t, ids, '', acc).packets,
    });
  for (const f of fx.flows) {
    if (!f.tcp) continue;
    if (f.tcp.retransmissions > 0)
      addFinding({
        code: 'retransmission',
        severity: 'warning',
        message: `${f.id}: ${f.tcp.retransmissions} retransmitted segments`,
        packets: [],
        flow: f.id,
      });
    if (f.tcp.zeroWindows > 0)
      addFinding({
        code: 'zero-window',
        severity: 'warning',
        message: `${f.id}: ${f.tcp.zeroWindows} zero-window segments`,
        packets: [],
        flow: f.id,
      });
    if (f.tcp.rst) addFinding({ code: 'tcp-reset', severity: 'info', message: `${f.id}: reset`, packets: [], flow: f.id });
  }
  const clientAddrs = points.map((p) => (p.kind === 'veth' || p.podSide ? [p.podIp, p.podIp6 ?? -1].filter((k) => k >= 0) : []));
  for (const x of unreversedNat(t, fx, clientAddrs))
    addFinding({
      code: 'nat-not-reversed',
      severity: 'problem',
      message:
        `${x.flow.id}: ${x.client} sent to ${x.dialled.join(', ')} and got its replies from ${x.repliers.join(', ')} ` +
        `(on ${x.points.map((p) => points[p].id).join(', ')}): they did not go back through the NAT that translated the ` +
        `requests (a reply bridged straight to the client, as between two pods of one node without bridge netfilter), so the ` +
        `client cannot take them${x.flow.tcp?.rst ? ' (the connection was reset)' : ''}`,
      packets: x.packets.map((r) => packetRef(t, ids, r)),
      flow: x.flow.id,
    });
  const emptyFiles = files.filter((f) => f.packetCount === 0 && f.errors.length === 0).map((f) => ({ path: f.path, id: f.id }));
  for (const f of undecapsulatedTunnels(ctx, journeys, emptyFiles, (k) => facts.innerOf.has(k))) addFinding(f);
  for (const f of unmasqueradedHairpins(ctx, journeys, (r) => (fx.flowOfRow[r] >= 0 ? flowIds[fx.flowOfRow[r]] : undefined))) addFinding(f);
  for (const s of model.services)
    addFinding({
      code: 'nat',
      severity: 'info',
      message: `${s.id} is translated to ${s.backends.map((b) => `${b.ip}:${b.port ?? ''}`).join(', ')} on ${s.natNodes.join(', ') || '?'}`,
      packets: s.evidence[0]?.packets ?? [],
    });

  // 11. The API object.
  const capturePoints: CapturePoint[] = points.map((p, i) => ({
    ...(podOfPoint.has(i) ? { pod: podOfPoint.get(i)! } : {}),
    ...(p.twinOf !== undefined ? { twinOf: points[p.twinOf].id } : {}),
    id: p.id,
    capture: p.capture,
    iface: p.iface,
    ifindex: p.ifindex,
    node: p.node,
    nodeSource: p.nodeSource,
    interface: p.interface,
    interfaceSource: p.interfaceSource,
    kind: p.kind,
    kindSource: p.kindSource,
    packetCount: p.count,
    evidence: p.evidence,
    ...pointUnknowns(
      p,
      ambiguous.get(i)?.map((n) => nodes[n].id),
    ),
  }));
  const captures: CaptureFile[] = files.map((f) => {
    const rows = f.packetCount;
    return {
      id: f.id,
      path: f.path,
      format: f.format,
      packetCount: f.packetCount,
      linktypes: f.linktypes,
      firstTs: rows > 0 ? t.epochSec + Math.min(...f.points.map((p) => points[p].firstNs)) / 1e9 : null,
      lastTs: rows > 0 ? t.epochSec + Math.max(...f.points.map((p) => points[p].lastNs)) / 1e9 : null,
      errors: f.errors,
      points: f.points.map((p) => points[p].id),
    };
  });
  const fileIndex = new Map(files.map((f, i) => [f.id, i]));
  const flowById = new Map(fx.flows.map((f, i) => [f.id, i]));
  const cache = new Map<number, Journey>();
  const get = (id: number): Journey => {
    let jj = cache.get(id);
    if (!jj) {
      if (!(id >= 0 && id < journeys.count)) throw new RangeError(`no journey ${id}`);
      jj = materialize(ctx, journeys, id, flowIds, fx.flowOfRow);
      if (cache.size > 10000) cache.clear();
      cache.set(id, jj);
    }
    return jj;
  };
  // Journeys of each flow (a NATed journey belongs to both its flows), in time order; built on first use.
  let byFlow: number[][] | null = null;
  const journeyIdsOfFlow = (): number[][] => {
    if (byFlow) return byFlow;
    const lists: number[][] = fx.flows.map(() => []);
    for (let k = 0; k < journeys.count; k++) {
      let last = -1;
      for (let i = journeys.start[k]; i < journeys.start[k + 1]; i++) {
        const f = fx.flowOfRow[journeys.rows[i]];
        if (f < 0 || f === last) continue;
        if (last === -1 || !lists[f].length || lists[f][lists[f].length - 1] !== k) lists[f].push(k);
        last = f;
      }
    }
    const firstTime = (k: number) => {
      const r = journeys.rows[journeys.start[k]];
      return t.tNs[r] - offsetOfPoint[t.point[r]];
    };
    for (const l of lists) l.sort((a, b) => firstTime(a) - firstTime(b) || a - b);
    byFlow = lists;
    return lists;
  };
  const data: AnalysisData = {
    epochSec: Number.isNaN(t.epochSec) ? 0 : t.epochSec,
    captures,
    points: capturePoints,
    model,
    flows: fx.flows,
    journeyCount: journeys.count,
    clockOffsets,
    findings,
    packetCount: t.count,
  };
  return {
    ...data,
    table: t,
    runSpans: runSpan,
    emptyPoints: emptyPoints.map((x) => ({ id: x.id, node: nodes[x.node].id, interface: x.interface, kind: x.kind, runSpan: x.runSpan })),
    nodeOwn: new Map([...nodeOwn].map(([k, o]) => [addrText(k), { node: nodes[o.node].id, at: o.at }])),
    workingBlocks: new Map(nodes.flatMap((n) => (n.cidr && n.cidrUnknown !== undefined ? [[n.id, cidrToString(n.cidr)]] : []))),
    journeys: { count: journeys.count, get },
    journeyForPacket(capture, index) {
      const fi = fileIndex.get(capture);
      if (fi === undefined) return null;
      const f = files[fi];
      if (!(index >= 0 && index < f.packetCount)) return null;
      const row = f.firstRow + index;
      if (row >= t.count || t.file[row] !== fi || t.index[row] !== index) return null;
      const k = journeys.journeyOfRow[row];
      return k >= 0 ? get(k) : null;
    },
    journeysForFlow(flowId, limit = 1000) {
      const fi = flowById.get(flowId);
      if (fi === undefined) return [];
      return journeyIdsOfFlow()[fi].slice(0, limit).map(get);
    },
    journeyIdsForFlow(flowId) {
      const fi = flowById.get(flowId);
      return fi === undefined ? [] : journeyIdsOfFlow()[fi];
    },
    flow: (id) => (flowById.has(id) ? fx.flows[flowById.get(id)!] : undefined),
    toJSON: () => data,
  };
}

/**
 * For each row at a point `from` accepts, in journeys of two sightings or more, the time to the
 * nearest sighting of the same journey at a point `to` accepts (rows with none are not visited).
 */
function eachNearestGap(
  t: PacketTable,
  j: JourneyIndex,
  from: (point: number) => boolean,
  to: (point: number) => boolean,
  visit: (row: number, gapNs: number) => void,
): void {
  for (let k = 0; k < j.count; k++) {
    const s = j.start[k];
    const e = j.start[k + 1];
    if (e - s < 2) continue;
    for (let i = s; i < e; i++) {
      const r = j.rows[i];
      if (!from(t.point[r])) continue;
      let best = Number.POSITIVE_INFINITY;
      for (let x = s; x < e; x++) {
        const q = j.rows[x];
        if (to(t.point[q])) best = Math.min(best, Math.abs(t.tNs[q] - t.tNs[r]));
      }
      if (best < Number.POSITIVE_INFINITY) visit(r, best);
    }
  }
}

/**
 * Median over the rows of `from` points (in journeys that also reach a `to` point) of the time to
 * the nearest `to` sighting; null when no journey joins them.
 */
function medianGap(t: PacketTable, j: JourneyIndex, from: ReadonlySet<number>, to: ReadonlySet<number>): number | null {
  const gaps: number[] = [];
  eachNearestGap(
    t,
    j,
    (p) => from.has(p),
    (p) => to.has(p),
    (_, gap) => gaps.push(gap),
  );
  if (gaps.length === 0) return null;
  gaps.sort((a, b) => a - b);
  return gaps[gaps.length >> 1];
}

/**
 * Ties between nodes (a capture between two nodes looks the same from both ends): settled one point
 * at a time. The addresses first: a node whose own interface of this kind is already captured (a NIC
 * capture whose every tunnel packet carries that node's address) is the less likely owner, so when
 * exactly one candidate is left without one, the capture's address is that node's. Only candidates
 * the addresses leave tied are then told apart, most clear-cut first, by which node's captures saw
 * the same packets closest in time (captures on one node see a packet microseconds apart; the wire
 * adds more) — a capture of a node nobody else captured has no time to compare, so time alone
 * must not hand it to the one node that has captures.
 */
function resolveByTime(
  t: PacketTable,
  j: JourneyIndex,
  points: PointDraft[],
  nodeOfPoint: Int32Array,
  ambiguous: Map<number, number[]>,
  nodes: NodeDraft[],
): void {
  // A node rarely has two captures of the same kind of interface (one NIC, one VTEP): a candidate
  // that already has one is the less likely owner.
  const hasKind = (c: number, kind: string) =>
    points.some((q, qi) => nodeOfPoint[qi] === c && !ambiguous.has(qi) && q.kind === kind && q.kind !== 'veth' && q.kind !== 'unknown');
  while (ambiguous.size > 0) {
    const owned = ownedByAddress(ambiguous, points, hasKind);
    if (owned) {
      const [pi, c, taken] = owned;
      const others = taken.map((x) => nodes[x].id).join(', ');
      assignTied(
        points,
        nodeOfPoint,
        ambiguous,
        nodes,
        pi,
        c,
        `its traffic carries the addresses of ${nodes[c].id} and ${others} alike, but ${others} already has its own ${points[pi].kind} interface captured and ${nodes[c].id} has none: the address left is this capture's own [traffic]`,
      );
      continue;
    }
    // Per tied point, per candidate: the time from each of its sightings to the nearest one by a
    // capture already on that candidate.
    const gaps = new Map<number, Map<number, number[]>>();
    for (const pi of ambiguous.keys()) gaps.set(pi, new Map());
    for (const c of new Set([...ambiguous.values()].flat()))
      eachNearestGap(
        t,
        j,
        (p) => ambiguous.get(p)?.includes(c) ?? false,
        (p) => nodeOfPoint[p] === c && !ambiguous.has(p),
        (r, gap) => {
          const g = gaps.get(t.point[r])!;
          (g.get(c) ?? g.set(c, []).get(c)!).push(gap);
        },
      );
    let pick = -1;
    let pickC = -1;
    let pickMargin = 0;
    let pickText = '';
    for (const [pi, g] of gaps) {
      const meds: [number, number][] = [];
      const free = ambiguous.get(pi)!.filter((c) => !hasKind(c, points[pi].kind));
      for (const [c, list] of g) {
        if (free.length > 0 && !free.includes(c)) continue;
        list.sort((a, b) => a - b);
        meds.push([c, list[list.length >> 1]]);
      }
      if (meds.length === 0) continue;
      // One candidate with captures to compare against and another with none: nearness in time to
      // the only node that has captures compares nothing (a packet crosses the wire in microseconds).
      if (meds.length === 1 && ambiguous.get(pi)!.some((c) => c !== meds[0][0] && (free.length === 0 || free.includes(c)))) continue;
      meds.sort((a, b) => a[1] - b[1]);
      const margin = meds.length > 1 ? (meds[1][1] + 1) / (meds[0][1] + 1) : 1.0001;
      // Two nodes' captures about as close in time: the journeys do not tell them apart either.
      if (meds.length > 1 && margin < 1.5) continue;
      if (margin > pickMargin) {
        pick = pi;
        pickC = meds[0][0];
        pickMargin = margin;
        pickText = meds.map(([c, m]) => `${nodes[c].id} ${(m / 1000).toFixed(1)} µs`).join(', ');
      }
    }
    if (pick < 0) return;
    assignTied(
      points,
      nodeOfPoint,
      ambiguous,
      nodes,
      pick,
      pickC,
      `its packets are seen closest in time by ${nodes[pickC].id}'s captures (median gap: ${pickText})`,
    );
  }
}

/** One name is the other plus '-<more>': a file name that splits two ways into node and interface or pod. */
function oneNameExtends(a: string, b: string): boolean {
  return a.startsWith(`${b}-`) || b.startsWith(`${a}-`);
}

/**
 * Two files placed on one node with the same interface name and kind (two eth0 NIC captures): one
 * host has one such interface, so one of them is likely another node's (or the same interface
 * captured twice). Pod-side captures are left out: every pod's own interface is eth0.
 */
function sameInterfaceTwice(points: readonly PointDraft[]): string[] {
  const out: string[] = [];
  for (const ps of placesOfFiles(points).values()) {
    if (new Set(ps.map((p) => p.file)).size < 2 || oneAfterAnother(ps)) continue;
    const { node, interface: name, kind } = ps[0];
    out.push(
      `${ps.map((p) => p.id).join(' and ')} are ${ps.length === 2 ? 'both' : 'all'} placed on ${node} as its ${kind} interface ${name}: a host has one, so either one of them is another node's (assign it) or the same interface was captured twice`,
    );
  }
  return out;
}

/** The node's own interfaces (no veth, no `-i any`) of the points, by node, interface name and kind. */
function placesOfFiles(points: readonly PointDraft[]): Map<string, PointDraft[]> {
  const seen = new Map<string, PointDraft[]>();
  for (const p of points) {
    if (p.node === null || p.interface === null || p.kind === 'veth' || p.kind === 'any' || p.kind === 'unknown' || p.twinOf !== undefined)
      continue;
    const k = `${p.node}\0${p.interface}\0${p.kind}`;
    seen.set(k, [...(seen.get(k) ?? []), p]);
  }
  return seen;
}

/**
 * What a fragmentation-needed about a tunnel packet means for the packets inside it: the tunnel's
 * two ends and the largest packet that still crosses (the next-hop MTU less the tunnel's headers).
 */
function tunnelTooBig(q: IcmpError['quotedTunnel'] | undefined, mtu: number, node: (ip: number) => string): string {
  if (!q || mtu <= q.overhead) return '';
  return `: a tunnel packet from ${node(q.src)} to ${node(q.dst)}; packets over ${mtu - q.overhead} bytes inside that tunnel cannot cross`;
}

/** Files one after the other in time: the pieces of one rotated capture (tcpdump -C/-G, ring buffers). */
function oneAfterAnother(ps: readonly PointDraft[]): boolean {
  const byTime = [...ps].sort((a, b) => a.firstNs - b.firstNs);
  return byTime.every((p, i) => i === 0 || p.file === byTime[i - 1].file || p.firstNs > byTime[i - 1].lastNs);
}

/**
 * The time each point counts as capturing. Captures on one node run together: a point covers the
 * time its node's captures span. But a piece of a rotated capture (named as rotation names it, or
 * one of several files of one interface one after the other) ran only from its first to its last
 * packet: before it and after it, other pieces were being written, given or not.
 */
function captureRunSpans(points: readonly PointDraft[], nodeOfPoint: ArrayLike<number>, nodeCount: number): (readonly [number, number])[] {
  const nodeSpan: [number, number][] = Array.from({ length: nodeCount }, () => [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  points.forEach((p, i) => {
    const n = nodeOfPoint[i];
    if (n < 0) return;
    nodeSpan[n][0] = Math.min(nodeSpan[n][0], p.firstNs);
    nodeSpan[n][1] = Math.max(nodeSpan[n][1], p.lastNs);
  });
  const pieces = new Set<number>();
  for (const ps of placesOfFiles(points).values())
    if (new Set(ps.map((p) => p.file)).size > 1 && oneAfterAnother(ps)) for (const p of ps) pieces.add(p.file);
  return points.map((p, i) => {
    if (pieces.has(p.file) || isRotationPiece(p.path)) return [p.firstNs, p.lastNs];
    const n = nodeOfPoint[i];
    return n >= 0 ? nodeSpan[n] : [p.firstNs, p.lastNs];
  });
}

/**
 * The capture files with no packet named '<node>-<interface>' after a node of the set (hops.ts
 * EmptyPoint), each taken to run while its node's captures with packets did (their first to last
 * packet). A name whose interface tells no kind, or a whole `-i any` capture, places nothing.
 */
function emptyCapturePoints(
  files: readonly FileDraft[],
  points: readonly PointDraft[],
  nodeOfPoint: ArrayLike<number>,
  nodes: readonly NodeDraft[],
  offsetOf: (node: number) => number,
): EmptyPoint[] {
  const out: EmptyPoint[] = [];
  for (const f of files) {
    if (f.packetCount !== 0 || f.errors.length !== 0) continue;
    const a = attributionFromFileName(f.path);
    if (!a.node || !a.interface) continue;
    const node = nodes.findIndex((n) => n.id === a.node);
    const kind = interfaceKindFromName(a.interface);
    if (node < 0 || kind === 'unknown' || kind === 'any') continue;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    points.forEach((p, i) => {
      if (nodeOfPoint[i] !== node) return;
      lo = Math.min(lo, p.firstNs);
      hi = Math.max(hi, p.lastNs);
    });
    if (lo <= hi) out.push({ id: f.id, node, interface: a.interface, kind, runSpan: [lo, hi], offsetNs: offsetOf(node) });
  }
  return out;
}

/** A tied point exactly one of whose candidates has no capture of its kind yet: [point, that node, the others]. */
function ownedByAddress(
  ambiguous: Map<number, number[]>,
  points: PointDraft[],
  hasKind: (c: number, kind: string) => boolean,
): [number, number, number[]] | null {
  for (const [pi, cands] of ambiguous) {
    if (cands.length < 2) continue;
    const free = cands.filter((c) => !hasKind(c, points[pi].kind));
    if (free.length === 1) return [pi, free[0], cands.filter((c) => c !== free[0])];
  }
  return null;
}

function assignTied(
  points: PointDraft[],
  nodeOfPoint: Int32Array,
  ambiguous: Map<number, number[]>,
  nodes: NodeDraft[],
  pi: number,
  c: number,
  reason: string,
): void {
  nodeOfPoint[pi] = c;
  points[pi].node = nodes[c].id;
  points[pi].nodeSource = 'traffic';
  points[pi].evidence.push({ reason, packets: [], count: 0 });
  ambiguous.delete(pi);
}

function applyEnrichment(m: ReturnType<typeof buildModel>, e: Enrichment, addFinding: (f: Finding) => void): ClusterModel {
  const dis = (message: string, node?: string) =>
    addFinding({ code: 'enrichment-disagreement', severity: 'warning', message, packets: [], node });
  const nodes = m.nodes.map((n) => {
    const en = e.nodes.find(
      (x) =>
        x.name === n.id ||
        x.internalIps.some((ip) => n.underlayIps.includes(ip)) ||
        (x.publicIp !== null && n.underlayIps.includes(x.publicIp)),
    );
    if (!en) return n;
    if (en.name !== n.id && n.name !== null)
      dis(`kubectl calls ${n.underlayIps.join(', ')} '${en.name}' but the captures name it '${n.id}'`, n.id);
    if (n.podCidr && en.podCidrs.length > 0 && !en.podCidrs.some((c) => sameCidr(c, n.podCidr!)))
      dis(`${n.id}: kubectl podCIDR ${en.podCidrs.join(', ')} but the traffic shows ${n.podCidr}`, n.id);
    if (n.vtepMac && en.vtepMac && en.vtepMac !== n.vtepMac)
      dis(`${n.id}: flannel VtepMAC annotation ${en.vtepMac} but VXLAN traffic shows ${n.vtepMac}`, n.id);
    const ipsDisagree =
      en.internalIps.length > 0 &&
      n.underlayIps.length > 0 &&
      !en.internalIps.some((ip) => n.underlayIps.includes(ip)) &&
      !(en.publicIp && n.underlayIps.includes(en.publicIp));
    if (ipsDisagree) dis(`${n.id}: kubectl InternalIP ${en.internalIps.join(', ')} but tunnels use ${n.underlayIps.join(', ')}`, n.id);
    return { ...n, name: n.name ?? en.name };
  });
  for (const s of e.subnets) {
    if (!s.subnet) continue;
    const n = nodes.find((x) => x.id === s.node) ?? nodes.find((x) => x.podCidr !== null && sameCidr(s.subnet!, x.podCidr));
    if (!n) {
      dis(`${s.source}: FLANNEL_SUBNET ${s.subnet} matches no node seen in the traffic`);
      continue;
    }
    if (n.podCidr && !sameCidr(s.subnet, n.podCidr))
      dis(`${s.source}: FLANNEL_SUBNET ${s.subnet} but the traffic shows ${n.id}'s pods in ${n.podCidr}`, n.id);
  }
  const pods = m.pods.map((p) => {
    const ep = e.pods.find((x) => x.ips.includes(p.ip) && !x.hostNetwork);
    if (!ep) return p;
    if (ep.node && p.node && ep.node !== p.node && nodes.some((n) => n.id === ep.node))
      dis(`pod ${ep.namespace}/${ep.name} (${p.ip}): kubectl says node ${ep.node}, the traffic says ${p.node}`, p.node);
    return { ...p, name: ep.name, namespace: ep.namespace };
  });
  const services = m.services.map((s) => {
    const es = e.services.find((x) => x.clusterIps.includes(s.ip));
    if (!es) return s;
    const eps = e.endpoints.find((x) => x.name === es.name && x.namespace === es.namespace);
    if (eps) {
      for (const b of s.backends)
        if (!eps.addresses.some((a) => a.ip === b.ip))
          dis(`service ${es.namespace}/${es.name}: traffic is translated to ${b.ip}, which its Endpoints do not list`);
    }
    return { ...s, name: es.name, namespace: es.namespace };
  });
  const leased = e.leases?.length ? checkLeases(nodes, e.leases, m.tunnels, dis) : nodes;
  return { nodes: leased, bridges: m.bridges, veths: m.veths, pods, tunnels: m.tunnels, services };
}

/**
 * One sentence on what domain `d`'s offset rests on, or why it is not known. `windowNs` is how far
 * apart two sightings of one packet may be on raw times (--max-skew): a one-way bound near its edge
 * suggests the packets the other way fell outside it.
 */
/**
 * The dropped packet's own direction ('tcp 10.244.1.7:7000 > 10.244.2.9:42000 SYN,ACK'), and the
 * flow it belongs to when that flow's first direction is the other way.
 */
function droppedPacketText(t: PacketTable, r: number, flowId: string | undefined): string {
  const h = headersAt(t, r);
  const dir = `${h.protocol} ${direction(h).replace(' → ', ' > ')}`;
  // What tells the packet apart within its flow: TCP's flags, ICMP's type; not UDP's length.
  const tag = h.protocol === 'tcp' ? (/^\[[^\]]+\]/.exec(h.info)?.[0] ?? '') : h.protocol.startsWith('icmp') ? h.info : '';
  const what = `${dir}${tag ? ` ${tag}` : ''}`;
  return flowId === undefined || flowId.startsWith(`${dir} `) || flowId === dir ? what : `${what} (flow ${flowId})`;
}

const farText = (ns: number) => `${(Math.abs(ns) / 1e9).toFixed(3)} s`;

/** What a clock found beyond the first window rests on, and how to confirm it. */
function farNote(f: FarOffset, name: (d: number) => string, windowNs: number): string {
  // Twice the offset, in whole 10 s (a hair above 30 s still asks for 60 s).
  const ms = Math.ceil((2 * Math.abs(f.offsetNs)) / 1e10 - 0.01) * 10_000;
  return `${f.samples} of ${f.of} packets seen on both it and ${name(f.against)} are ${farText(f.offsetNs)} apart, more than the ${Math.round(windowNs / 1e6)} ms the first pass matches within, so that offset was taken out before the clocks were estimated (re-run with --max-skew ${ms} to estimate it directly)`;
}

function clockNote(o: DomainOffset, d: number, name: (d: number) => string, windowNs: number): string {
  const ref = name(o.reference);
  const us = (ns: number) => `${(ns / 1e3).toFixed(1)} µs`;
  switch (o.method) {
    case 'reference':
      return 'the reference clock';
    case 'two-way':
      return `packets both ways with ${ref} bound the offset to ${us(o.lowerNs ?? 0)} .. ${us(o.upperNs ?? 0)}; the middle is used`;
    case 'one-way': {
      // An upper bound comes from packets ref → d, a lower one from packets d → ref; the offset taken
      // at the bound makes latencies the way the packets go the least possible, the other way the most.
      const toward = o.upperNs !== null;
      const bound = toward ? o.upperNs! : (o.lowerNs ?? 0);
      const [from, to] = toward ? [ref, name(d)] : [name(d), ref];
      const ms = (ns: number) => `${Math.round(ns / 1e6)} ms`;
      const edge =
        Math.abs(bound) >= 0.9 * windowNs
          ? `; the bound is near the ${ms(windowNs)} that sightings of one packet may be apart (--max-skew), so the offset may exceed it, with the packets the other way outside that window: raise --max-skew (to ${ms(2 * windowNs)}, say) to pin it down`
          : '';
      return `not pinned down: packets go one way only (${from} to ${to}), so the offset is ${toward ? 'at most' : 'at least'} ${us(bound)} against ${ref}; it is taken at ${o.offsetNs === bound ? 'that bound' : `${us(o.offsetNs)}, where the fastest packet took no time by its stamps (the bound allows for a stamp's grain more)`}, so latencies from ${from} to ${to} are the least possible and any from ${to} to ${from} the most${edge}`;
    }
    default:
      return 'unknown: no packet seen on this clock and another one tells their order';
  }
}

function sameCidr(a: string, b: string): boolean {
  const x: Cidr4 | null = parseCidr4(a);
  const y: Cidr4 | null = parseCidr4(b);
  return x !== null && y !== null && x.base === y.base && x.len === y.len;
}

/** Why a capture point's node, interface name or kind is not known. */
function pointUnknowns(p: PointDraft, candidates: readonly string[] | undefined): Pick<CapturePoint, 'unknown'> {
  const u: { node?: string; interface?: string; kind?: string } = {};
  if (p.node === null)
    u.node =
      candidates && candidates.length > 1
        ? `it could be on ${candidates.join(' or ')}: the traffic does not tell them apart`
        : `neither its file's name nor its traffic ties it to a node`;
  if (p.interface === null)
    u.interface =
      p.ifindex !== null
        ? `a cooked capture (-i any) keeps the interface's index ${p.ifindex}, not its name`
        : p.iface !== null
          ? `its pcapng interface block gives no name`
          : `neither the file's name nor its format gives an interface name`;
  if (p.kind === 'unknown') u.kind = `neither its interface's name nor its traffic tells what kind of interface it is`;
  return Object.keys(u).length ? { unknown: u } : {};
}

/** UTC wall time, to the microsecond, of a time on the table's clock (a VTEP MAC change: one node's own captures). */
function vtepTime(epochSec: number, ns: number): string {
  const us = Math.round(ns / 1e3);
  const d = new Date(epochSec * 1000 + Math.floor(us / 1e3));
  return `${d.toISOString().slice(11, 19)}.${String(((us % 1e6) + 1e6) % 1e6).padStart(6, '0')}`;
}
