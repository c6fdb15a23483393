// `tunnelvision follow FILE... --flow "10.42.0.5 -> 10.42.1.7 icmp" | --packet CAPTURE#N [--json]`
//   Follows packets hop by hop across the captures: per hop the node, interface, corrected time,
//   latency, TTL, headers as seen there and encapsulation; NAT rewrites, gaps and where a packet
//   was last seen when it did not arrive.
//   --flow SPEC     SRC[:PORT] -> DST[:PORT] [tcp|udp|icmp|icmpv6]  ('<->' for both directions)
//   --packet REF    one packet: capture file name and Wireshark frame number, e.g. node1-eth0.pcap#12
//   --limit N       hop tables printed per flow (default 10; dropped packets first)
// Exit codes: 0 found, 1 nothing matched, 2 usage.
import { loadCaptureSet } from '../topology/load';
import { flowsMatching, parseFlowSpec, parsePacketRef, resolveCaptureRef, type FlowSpec } from '../topology/select';
import { clean, flowText } from '../../common/text';
import { formatJourney } from '../topology/text';
import type { Journey } from '../topology/types';
import { COMMON_USAGE, parseCommonArgs, unresolvedAssignments } from './topology-args';
import { withOutput } from './output';
import { reportLimitStops } from './limit-args';

const USAGE = `usage: tunnelvision follow FILE... (--flow "SRC[:PORT] -> DST[:PORT] [tcp|udp|icmp|icmpv6]" | --packet CAPTURE#N) [--json]
  --flow SPEC            the flow to follow ('<->' instead of '->' for both directions)
  --packet CAPTURE#N     one packet (N = frame number as Wireshark shows it)
  --limit N              hop tables per flow (default 10; dropped packets first)
${COMMON_USAGE}`;

export async function run(args: string[]): Promise<number> {
  const a = parseCommonArgs(args, ['--flow', '--packet', '--limit']);
  if (typeof a === 'string') {
    process.stderr.write(a ? `follow: ${a}\n${USAGE}` : USAGE);
    return a ? 2 : 0;
  }
  const flowArg = a.extra.get('--flow')?.[0];
  const packetText = a.extra.get('--packet')?.[0];
  const limit = Number(a.extra.get('--limit')?.[0] ?? 10);
  if (a.files.length === 0 || (!flowArg && !packetText) || !(limit > 0)) {
    process.stderr.write(
      `follow: ${a.files.length === 0 ? 'no capture files given' : !(limit > 0) ? '--limit must be a positive number' : 'give --flow or --packet'}\n${USAGE}`,
    );
    return 2;
  }
  let spec: FlowSpec | null = null;
  if (flowArg) {
    try {
      spec = parseFlowSpec(flowArg);
    } catch (e) {
      process.stderr.write(`follow: ${(e as Error).message}\n`);
      return 2;
    }
  }
  const ref = packetText ? parsePacketRef(packetText) : null;
  if (packetText && !ref) {
    process.stderr.write(`follow: packet reference must look like capture.pcap#123, got '${packetText}'\n`);
    return 2;
  }
  const an = await loadCaptureSet(a.files, {
    enrichment: a.enrich,
    overrides: a.overrides,
    maxClockSkewMs: a.maxSkewMs,
    decodeAs: a.decodeAs,
    limits: a.limits,
  });
  reportLimitStops('follow', an.captures);
  const unresolved = unresolvedAssignments(a, an.captures);
  const target = ref ? resolveCaptureRef(ref.capture, an.captures) : null;
  if (target && 'error' in target) unresolved.push(`--packet: ${target.error}`);
  if (unresolved.length) {
    process.stderr.write(unresolved.map((m) => `follow: ${m}\n`).join(''));
    return 2;
  }
  return withOutput('follow', async (stdout) => {
    if (ref) {
      const id = target && 'id' in target ? target.id : ref.capture;
      const j = an.journeyForPacket(id, ref.index);
      if (!j) {
        process.stderr.write(`follow: packet #${ref.index + 1} of ${id} is not an IP packet or does not exist\n`);
        return 1;
      }
      if (a.json) await stdout.write(JSON.stringify({ journeys: [j] }, null, 2) + '\n');
      else await stdout.write(formatJourney(an, j));
      return 0;
    }

    const flows = flowsMatching(an.flows, spec!);
    if (flows.length === 0) {
      process.stderr.write(
        `follow: no flow matches '${clean(flowArg!)}'. Flows in the set:\n${an.flows
          .slice(0, 30)
          .map((f) => `  ${f.id}`)
          .join('\n')}\n`,
      );
      return 1;
    }
    const out: { flow: string; journeys: Journey[]; shown: Journey[] }[] = [];
    for (const f of flows) {
      const all = an.journeysForFlow(f.id, 100_000);
      // Direction asked for: journeys that go from the spec's source at some hop (before or after a
      // NAT rewrote it: a NodePort caller's address becomes its node's, a pod's reply the service's).
      const dir = spec!.bidirectional || spec!.src === null ? all : all.filter((j) => j.hops.some((h) => h.headers.src === spec!.src));
      const shown = [...dir.filter((j) => j.status === 'dropped'), ...dir.filter((j) => j.status !== 'dropped')].slice(0, limit);
      out.push({ flow: f.id, journeys: dir, shown });
    }
    if (a.json) {
      await stdout.write(JSON.stringify({ flows: flows, journeys: out.flatMap((o) => o.journeys) }, null, 2) + '\n');
      return 0;
    }
    for (const [i, o] of out.entries()) {
      const f = flows[i];
      const count = (s: string) => o.journeys.filter((j) => j.status === s).length;
      const peers = f.natPeers.map((id) => {
        const p = an.flows.find((x) => x.id === id);
        return p ? flowText(p) : clean(id);
      });
      await stdout.write(`Flow ${flowText(f)}${peers.length ? `  (NAT: ${peers.join(', ')})` : ''}\n`);
      await stdout.write(
        `  ${o.journeys.length} packets followed: ${count('delivered')} delivered, ${count('dropped')} dropped, ${count('unknown')} not judged${o.shown.length < o.journeys.length ? `; showing ${o.shown.length}` : ''}\n\n`,
      );
      for (const j of o.shown) {
        if (stdout.ended) break;
        await stdout.write(formatJourney(an, j) + '\n');
      }
    }
    return 0;
  });
}
