// What a journey's verdict rests on besides the places it was seen: the ICMP errors that quote its
// packet (a router or node saying why it could not go on) and the packets that answered it (an echo
// reply, a TCP acknowledgement covering it, a UDP response), which show it reached its destination
// even where no capture was taken there.
//
// An ICMP error quotes the offending packet's IP header and the first bytes of its transport header:
// addresses, protocol, IPv4 identification, ports (or the echo identifier and sequence) and the TCP
// sequence number. A journey is quoted by an error when one of its sightings carries exactly those
// values (a NATed packet is quoted as the router saw it) and the error follows it in time.

import type { JourneyIndex } from './journeys';
import { KeyedLists } from './keyed-lists';
import type { IcmpError, PacketTable } from './table';

/** An ICMP error, deduplicated over its sightings: `row` is its first sighting in hop order. */
export interface QuotedError {
  readonly error: IcmpError;
  readonly row: number;
}

const UNREACH4: Record<number, string> = {
  0: 'net unreachable',
  1: 'host unreachable',
  2: 'protocol unreachable',
  3: 'port unreachable',
  4: 'fragmentation needed',
  5: 'source route failed',
  6: 'destination network unknown',
  7: 'destination host unknown',
  9: 'network administratively prohibited',
  10: 'host administratively prohibited',
  11: 'network unreachable for TOS',
  12: 'host unreachable for TOS',
  13: 'communication administratively prohibited',
};
const UNREACH6: Record<number, string> = {
  0: 'no route to destination',
  1: 'communication administratively prohibited',
  2: 'beyond scope of source address',
  3: 'address unreachable',
  4: 'port unreachable',
  5: 'source address failed ingress/egress policy',
  6: 'reject route to destination',
};

/** 'net unreachable', 'fragmentation needed', 'TTL exceeded in transit'... */
export function icmpErrorName(e: Pick<IcmpError, 'ver' | 'type' | 'code'>): string {
  if (e.ver === 4) {
    if (e.type === 3) return UNREACH4[e.code] ?? `destination unreachable (code ${e.code})`;
    if (e.type === 11) return e.code === 1 ? 'fragment reassembly time exceeded' : 'TTL exceeded in transit';
    if (e.type === 12) return 'parameter problem';
  } else {
    if (e.type === 1) return UNREACH6[e.code] ?? `destination unreachable (code ${e.code})`;
    if (e.type === 2) return 'packet too big';
    if (e.type === 3) return e.code === 1 ? 'fragment reassembly time exceeded' : 'hop limit exceeded in transit';
    if (e.type === 4) return 'parameter problem';
  }
  return `type ${e.type} code ${e.code}`;
}

/** The destination itself refusing the packet (nothing listens there): it was delivered. */
export function isRefusal(e: Pick<IcmpError, 'ver' | 'type' | 'code'>): boolean {
  return e.ver === 4 ? e.type === 3 && (e.code === 2 || e.code === 3) : e.type === 1 && e.code === 4;
}

function quotedKey(ver: number, src: number, dst: number, proto: number, id: number, sport: number, dport: number, seq: number): string {
  return `${ver}|${src}|${dst}|${proto}|${id}|${sport}|${dport}|${seq}`;
}

/** The quote key of a sighting, as an ICMP error about it would carry it. */
function rowKey(t: PacketTable, r: number): string {
  const v = t.innerVer[r];
  const proto = t.innerProto[r];
  const later = (t.innerFrag[r] & 0x1fff) !== 0;
  let sport = -1;
  let dport = -1;
  let seq = -1;
  if (!later) {
    if (proto === 6 || proto === 17 || proto === 132) {
      sport = t.sport[r];
      dport = t.dport[r];
      if (proto === 6) seq = t.tcpSeq[r];
    } else if ((proto === 1 && t.icmpType[r] === 8) || (proto === 58 && t.icmpType[r] === 128)) {
      sport = t.icmpId[r];
      dport = t.icmpSeq[r];
    }
  }
  return quotedKey(v, t.innerSrc[r], t.innerDst[r], proto, v === 4 ? t.ipId[r] & 0xffff : -1, sport, dport, seq);
}

/**
 * ICMP errors that quote each journey's packet, keyed by journey. `time` is a row's corrected time;
 * an error counts when it is seen after the packet (and within 5 s of it).
 */
export function quotingErrors(t: PacketTable, j: JourneyIndex, time: (row: number) => number): Map<number, QuotedError[]> {
  const out = new Map<number, QuotedError[]>();
  if (t.icmpErrors.length === 0) return out;
  // One entry per error journey: the sighting that comes first in its hop order.
  const byJourney = new Map<number, IcmpError>();
  const byKey = new Map<string, number[]>();
  for (const e of t.icmpErrors) {
    if (e.quotedSrc < 0) continue;
    const ej = j.journeyOfRow[e.row];
    const id = ej >= 0 ? ej : -1 - e.row;
    if (byJourney.has(id)) continue;
    byJourney.set(id, e);
    const k = quotedKey(e.ver, e.quotedSrc, e.quotedDst, e.quotedProto, e.quotedId, e.quotedSport, e.quotedDport, e.quotedSeq);
    (byKey.get(k) ?? byKey.set(k, []).get(k)!).push(id);
  }
  const pairs = new Set<string>();
  const quotedDsts = new Set<number>();
  for (const e of byJourney.values()) {
    pairs.add(`${e.ver}|${e.quotedSrc}|${e.quotedDst}`);
    quotedDsts.add(e.quotedDst);
  }
  const candidates = new Map<number, { k: number; at: number }[]>();
  for (let k = 0; k < j.count; k++) {
    for (let i = j.start[k]; i < j.start[k + 1]; i++) {
      const r = j.rows[i];
      // A number test first: most rows go to an address no error quotes.
      if (!quotedDsts.has(t.innerDst[r]) || !pairs.has(`${t.innerVer[r]}|${t.innerSrc[r]}|${t.innerDst[r]}`)) continue;
      const ids = byKey.get(rowKey(t, r));
      if (!ids) continue;
      for (const id of ids) {
        const l = candidates.get(id) ?? candidates.set(id, []).get(id)!;
        if (!l.some((c) => c.k === k)) l.push({ k, at: time(j.rows[j.start[k]]) });
      }
    }
  }
  for (const [id, cands] of candidates) {
    const e = byJourney.get(id)!;
    const first = id >= 0 ? j.rows[j.start[id]] : e.row;
    const te = time(first);
    // The journey quoted: the latest one that started before the error (an identical packet sent
    // again later is another journey).
    let best: { k: number; at: number } | null = null;
    for (const c of cands) if (c.at <= te + 1e6 && te - c.at <= 5e9 && (!best || c.at > best.at)) best = c;
    if (!best) continue;
    const l = out.get(best.k) ?? out.set(best.k, []).get(best.k)!;
    l.push({ error: e, row: first });
  }
  return out;
}

/** Entries looked at for one TCP segment's acknowledgement (it comes within a few segments). */
const MAX_ACK_SCAN = 64;

/**
 * The row that answered each journey's packet: an echo reply with the same identifier and sequence
 * from the address it was sent to; a TCP segment from the far end acknowledging its data (or SYN /
 * FIN) before the segment was sent again; a UDP datagram back on the same ports before the next one
 * was sent. NAT is allowed for by looking the answer up both as the packet left (first sighting)
 * and as it arrived (last). Sightings are keyed by their flow (`flowOfRow`) and direction in it;
 * lists are time-sorted and searched by bisection. The answering row of each journey, -1 for none.
 */
export function findAnswers(t: PacketTable, j: JourneyIndex, time: (row: number) => number, flowOfRow: Int32Array): Int32Array {
  const out = new Int32Array(j.count).fill(-1);
  const isEchoRequest = (r: number) => (t.innerProto[r] === 1 && t.icmpType[r] === 8) || (t.innerProto[r] === 58 && t.icmpType[r] === 128);
  const isEchoReply = (r: number) => (t.innerProto[r] === 1 && t.icmpType[r] === 0) || (t.innerProto[r] === 58 && t.icmpType[r] === 129);
  // Direction within the flow: the lower (address, port) end sends direction 0.
  const dir = (r: number) => {
    const s = t.innerSrc[r];
    const d = t.innerDst[r];
    return s < d || (s === d && t.sport[r] <= t.dport[r]) ? 0 : 1;
  };
  const laterFragment = (r: number) => (t.innerFrag[r] & 0x1fff) !== 0;
  // (flow * 2 + direction) -> journeys; echo replies apart, by (direction key, sequence); TCP
  // segments by (direction key, sequence number), to find a segment sent again. Each journey's
  // packet is filed as it left (time: the first sighting's) and as it arrived.
  let filed = 0;
  for (let k = 0; k < j.count; k++) {
    const f = j.rows[j.start[k]];
    const p = t.innerProto[f];
    if (!laterFragment(f) && (p === 6 || p === 17 || isEchoReply(f))) filed++;
  }
  const cap = filed * 2;
  let flows = 0;
  for (let r = 0; r < flowOfRow.length; r++) if (flowOfRow[r] >= flows) flows = flowOfRow[r] + 1;
  const byDir = new KeyedLists(cap, Math.min(cap, flows * 2));
  const replies = new KeyedLists(cap);
  const segments = new KeyedLists(cap);
  for (let k = 0; k < j.count; k++) {
    const f = j.rows[j.start[k]];
    const p = t.innerProto[f];
    if (laterFragment(f)) continue;
    const reply = isEchoReply(f);
    if (!(p === 6 || p === 17 || reply)) continue;
    const at = time(f);
    const last = j.rows[j.start[k + 1] - 1];
    for (let side = 0; side < 2; side++) {
      const r = side === 0 ? f : last;
      if (flowOfRow[r] < 0) continue;
      const key = flowOfRow[r] * 2 + dir(r);
      if (reply) replies.push(key, t.icmpSeq[r], k, r, at);
      else byDir.push(key, 0, k, r, at);
      if (p === 6) segments.push(key, t.tcpSeq[r], k, r, at);
    }
  }
  byDir.freeze();
  replies.freeze();
  segments.freeze();
  const WINDOW = 5e9;
  for (let k = 0; k < j.count; k++) {
    const f = j.rows[j.start[k]];
    if (laterFragment(f)) continue;
    const at = time(f);
    const p = t.innerProto[f];
    let answer = -1;
    for (let side = 0; side < 2; side++) {
      const r = side === 0 ? j.rows[j.start[k + 1] - 1] : f;
      if (answer >= 0 || flowOfRow[r] < 0) break;
      const fwdKey = flowOfRow[r] * 2 + dir(r);
      const backKey = fwdKey ^ 1;
      if (isEchoRequest(r)) {
        // The reply goes the other way; an echo flow's "ports" are its identifier on both sides.
        let l = replies.find(backKey, t.icmpSeq[r]);
        if (l < 0) l = replies.find(fwdKey, t.icmpSeq[r]);
        if (l < 0) continue;
        const x = replies.firstAfter(l, at);
        if (x < replies.end(l) && replies.at[x] - at <= WINDOW && t.innerSrc[replies.row[x]] === t.innerDst[r]) answer = replies.row[x];
      } else if (p === 6) {
        const fl = t.tcpFlags[r];
        const seq = t.tcpSeq[r];
        const expect = (seq + t.payLen[r] + (fl & 0x02 ? 1 : 0) + (fl & 0x01 ? 1 : 0)) >>> 0;
        if (expect === seq || fl & 0x04) continue; // a pure ACK or a reset expects no answer
        // Sent again later (a retransmission): only an acknowledgement before that answers this one.
        let until = at + WINDOW;
        const same = segments.find(fwdKey, seq);
        if (same >= 0) {
          for (let i = segments.firstAfter(same, at); i < segments.end(same); i++) {
            const x = segments.row[i];
            if (t.payLen[x] === t.payLen[r] && (t.tcpFlags[x] & 0x03) === (fl & 0x03)) {
              until = Math.min(until, segments.at[i]);
              break;
            }
          }
        }
        const l = byDir.find(backKey, 0);
        if (l < 0) continue;
        for (let i = byDir.firstAfter(l, at), n = 0; i < byDir.end(l) && byDir.at[i] < until && n < MAX_ACK_SCAN; i++, n++) {
          const x = byDir.row[i];
          if ((t.tcpFlags[x] & 0x10) !== 0 && (t.tcpAck[x] - expect) >>> 0 < 0x80000000) {
            answer = x;
            break;
          }
        }
      } else if (p === 17) {
        const back = byDir.find(backKey, 0);
        if (back < 0) continue;
        const hit = byDir.firstAfter(back, at);
        if (hit >= byDir.end(back) || byDir.at[hit] - at > WINDOW) continue;
        // A response to this datagram, not to a later one on the same ports.
        const fwd = byDir.find(fwdKey, 0);
        if (fwd >= 0) {
          const next = byDir.firstAfter(fwd, at);
          if (next < byDir.end(fwd) && byDir.at[next] < byDir.at[hit]) continue;
        }
        answer = byDir.row[hit];
      }
    }
    out[k] = answer;
  }
  return out;
}
