// Row-by-row comparison of the SQL path finder (correlate.sql, views sql_hops / sql_journeys) with
// the in-process one as the export wrote it (tables hops / journeys), on one attached dataset.
// Each query returns the rows that disagree; an empty list is agreement.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { expect } from 'vitest';
import { correlate } from '../../main/dataset/correlate';
import { openDuck, queryRows } from '../../main/dataset/duck';
import { exportDataset } from '../../main/dataset/export';
import { attachDataset } from '../../main/dataset/open';

export const CHECKS = {
  /** Every sighting in a journey on both sides, at the same hop index. */
  hopPlace: `
    SELECT h.journey, h.hop, s.hop AS sql_hop, COALESCE(h.capture, s.capture) AS capture, COALESCE(h.idx, s.idx) AS idx
    FROM hops h FULL OUTER JOIN sql_hops s ON s.capture = h.capture AND s.idx = h.idx
    WHERE h.hop IS DISTINCT FROM s.hop`,
  /** One SQL journey per in-process journey and back (the same sightings grouped the same way). */
  journeyGrouping: `
    SELECT 'in-process ' || h.journey AS journey, COUNT(DISTINCT s.jkey) AS other_side
    FROM hops h JOIN sql_hops s ON s.capture = h.capture AND s.idx = h.idx GROUP BY h.journey HAVING COUNT(DISTINCT s.jkey) <> 1
    UNION ALL
    SELECT 'sql ' || CAST(s.jkey AS VARCHAR), COUNT(DISTINCT h.journey)
    FROM hops h JOIN sql_hops s ON s.capture = h.capture AND s.idx = h.idx GROUP BY s.jkey HAVING COUNT(DISTINCT h.journey) <> 1`,
  /** The same NAT kind and TTL change at every hop. */
  natAndTtl: `
    SELECT h.journey, h.hop, h.nat, s.nat AS sql_nat, h.ttl_delta, s.ttl_delta AS sql_ttl_delta
    FROM hops h JOIN sql_hops s ON s.capture = h.capture AND s.idx = h.idx
    WHERE h.nat IS DISTINCT FROM s.nat OR h.ttl_delta IS DISTINCT FROM s.ttl_delta`,
  /**
   * The same latency wherever the in-process finder gives one (within 1 ns: both subtract the same
   * offsets, one in doubles of absolute time). Where it gives none (two clocks the packets do not
   * relate, or a correction that would make it negative), the SQL gives none either or the hop is
   * across clocks; see LATENCY_SUBSET.
   */
  latency: `
    SELECT h.journey, h.hop, h.latency_ns, s.latency_ns AS sql_latency_ns
    FROM hops h JOIN sql_hops s ON s.capture = h.capture AND s.idx = h.idx
    WHERE h.latency_ns IS NOT NULL AND (s.latency_ns IS NULL OR abs(h.latency_ns - s.latency_ns) > 1)`,
  /** Where it was last seen (the drop location of a journey that went no further). */
  lastSeen: `
    SELECT j.id, j.last_capture, j.last_idx, s.last_capture AS sql_last_capture, s.last_idx AS sql_last_idx
    FROM journeys j JOIN hops h ON h.journey = j.id AND h.hop = 0
    JOIN sql_hops f ON f.capture = h.capture AND f.idx = h.idx
    JOIN sql_journeys s ON s.jkey = f.jkey
    WHERE j.last_capture <> s.last_capture OR j.last_idx <> s.last_idx`,
  /**
   * ICMP verdicts: a journey the in-process finder judged by a quoting ICMP error ('icmp-error':
   * dropped, 'refused': delivered) has the same error and verdict in SQL; a journey the SQL finds
   * quoted has an in-process verdict that names that error, or one that outranks it ('answered' /
   * 'reached-destination': the packet got there, an error about it came from elsewhere).
   */
  icmpVerdict: `
    SELECT j.id, j.verdict, j.icmp_error, s.verdict AS sql_verdict, s.error_capture || '#' || CAST(s.error_idx + 1 AS VARCHAR) AS sql_error
    FROM journeys j JOIN hops h ON h.journey = j.id AND h.hop = 0
    JOIN sql_hops f ON f.capture = h.capture AND f.idx = h.idx
    JOIN sql_journeys s ON s.jkey = f.jkey
    WHERE (j.verdict IN ('icmp-error', 'refused') AND (s.verdict IS DISTINCT FROM j.verdict
             OR j.icmp_error IS DISTINCT FROM s.error_capture || '#' || CAST(s.error_idx + 1 AS VARCHAR)))
       OR (s.verdict IS NOT NULL AND j.verdict NOT IN ('icmp-error', 'refused', 'answered', 'reached-destination'))`,
  /**
   * Every journey's verdict and status (verdict.sql against hops.ts judge), with the packet that
   * decided it: the quoting ICMP error, the answer. A verdict the SQL declares it cannot derive
   * ('unknown: <why>') is listed by the \`undecided\` check instead.
   */
  verdict: `
    SELECT j.id, j.status, j.verdict, j.icmp_error, j.answered_by, v.status AS sql_status, v.verdict AS sql_verdict,
      v.error_capture || '#' || CAST(v.error_idx + 1 AS VARCHAR) AS sql_error,
      v.answer_capture || '#' || CAST(v.answer_idx + 1 AS VARCHAR) AS sql_answer, j.reason
    FROM journeys j JOIN hops h ON h.journey = j.id AND h.hop = 0
    JOIN sql_hops f ON f.capture = h.capture AND f.idx = h.idx
    JOIN sql_verdicts v ON v.jkey = f.jkey
    WHERE v.verdict NOT LIKE 'unknown:%' AND (j.verdict IS DISTINCT FROM v.verdict OR j.status IS DISTINCT FROM v.status
       OR j.icmp_error IS DISTINCT FROM v.error_capture || '#' || CAST(v.error_idx + 1 AS VARCHAR)
       OR j.answered_by IS DISTINCT FROM v.answer_capture || '#' || CAST(v.answer_idx + 1 AS VARCHAR))`,
  /**
   * The places a journey crossed in pieces (segmentation offload): the in-process finder's
   * Journey.offloaded as the export wrote it (journey_objects), against verdict.sql's
   * sql_in_pieces / sql_offload_pieces: the same points, after the same hop, the same packets in order.
   */
  inPieces: `
    WITH a AS (
      SELECT j.id AS journey, o.value->>'point' AS point, CAST(o.value->>'afterHop' AS INTEGER) AS after_hop,
        CAST(k.key AS INTEGER) AS piece, k.value->>'capture' AS capture, CAST(k.value->>'index' AS BIGINT) AS idx
      FROM journey_objects j, json_each(j.json, '$.offloaded') o, json_each(o.value, '$.packets') k),
    b AS (
      SELECT h.journey, p.point, i.after_hop, CAST(p.piece AS INTEGER) AS piece, p.capture, p.idx
      FROM sql_offload_pieces p JOIN sql_in_pieces i ON i.jkey = p.jkey AND i.slot = p.slot
      JOIN sql_hops f ON f.jkey = p.jkey AND f.hop = 0 JOIN hops h ON h.capture = f.capture AND h.idx = f.idx)
    SELECT COALESCE(a.journey, b.journey) AS journey, COALESCE(a.point, b.point) AS point, COALESCE(a.piece, b.piece) AS piece,
      a.after_hop, b.after_hop AS sql_after_hop, a.capture || '#' || CAST(a.idx + 1 AS VARCHAR) AS packet,
      b.capture || '#' || CAST(b.idx + 1 AS VARCHAR) AS sql_packet
    FROM a FULL OUTER JOIN b ON b.journey = a.journey AND b.point = a.point AND b.piece = a.piece
    WHERE a.after_hop IS DISTINCT FROM b.after_hop OR a.capture IS DISTINCT FROM b.capture OR a.idx IS DISTINCT FROM b.idx`,
  /**
   * Each TCP flow's packets and bytes per direction (flows.sql against flows.ts, a segment
   * offload made several packets counted once), where no journey of it was fragmented (the flows
   * table counts a fragmented datagram's bytes from its fragments; flows.sql does not).
   */
  flowTotals: `
    SELECT f.id, f.a_to_b_packets, ab.packets AS sql_a_to_b_packets, f.a_to_b_bytes, ab.bytes AS sql_a_to_b_bytes,
      f.b_to_a_packets, ba.packets AS sql_b_to_a_packets, f.b_to_a_bytes, ba.bytes AS sql_b_to_a_bytes
    FROM flows f
    LEFT JOIN sql_tcp_flow_totals ab ON ab.src = f.a_ip AND ab.sport = COALESCE(f.a_port, -1) AND ab.dst = f.b_ip AND ab.dport = COALESCE(f.b_port, -1)
    LEFT JOIN sql_tcp_flow_totals ba ON ba.src = f.b_ip AND ba.sport = COALESCE(f.b_port, -1) AND ba.dst = f.a_ip AND ba.dport = COALESCE(f.a_port, -1)
    WHERE f.proto = 6 AND COALESCE(ab.fragmented, 0) + COALESCE(ba.fragmented, 0) = 0
      AND (f.a_to_b_packets <> COALESCE(ab.packets, 0) OR f.a_to_b_bytes <> COALESCE(ab.bytes, 0)
        OR f.b_to_a_packets <> COALESCE(ba.packets, 0) OR f.b_to_a_bytes <> COALESCE(ba.bytes, 0))`,
  /** Verdicts the SQL says it cannot derive from the dataset (expected: none on the lab sets). */
  undecided: `
    SELECT v.jkey, v.verdict FROM sql_verdicts v WHERE v.verdict LIKE 'unknown:%'`,
  /** One verdict per journey. */
  verdictRows: `
    SELECT jkey, COUNT(*) AS n FROM sql_verdicts GROUP BY jkey HAVING COUNT(*) <> 1
    UNION ALL
    SELECT s.jkey, 0 FROM sql_journeys s WHERE s.jkey NOT IN (SELECT jkey FROM sql_verdicts)`,
} as const;

export type Check = keyof typeof CHECKS;

export async function disagreements(db: DuckDBConnection): Promise<Record<Check, Record<string, unknown>[]>> {
  const out = {} as Record<Check, Record<string, unknown>[]>;
  for (const [name, sql] of Object.entries(CHECKS)) out[name as Check] = (await queryRows(db, sql)).rows;
  return out;
}

/**
 * Exports `files` as a dataset (into a temporary folder, removed after), runs the SQL path finder on
 * it, expects every row to agree with the in-process one, then runs `then` on the attached dataset.
 */
export async function agreeOn(files: readonly string[], then?: (db: DuckDBConnection) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tv-dataset-'));
  try {
    await exportDataset([...files], dir);
    const duck = await openDuck();
    try {
      await attachDataset(duck.db, dir);
      await correlate(duck.db);
      const d = await disagreements(duck.db);
      for (const [check, rows] of Object.entries(d)) expect(rows.slice(0, 10), `${check}: ${rows.length} rows disagree`).toEqual([]);
      await then?.(duck.db);
    } finally {
      duck.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
