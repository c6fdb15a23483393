-- TCP flow totals as the flows table counts them (flows.ts), after correlate.sql (its views
-- sql_sightings, sql_ordered): per direction of each 5-tuple, its packets (a journey once, however
-- often it crossed the tuple) and bytes (the IP length of the journey's first sighting there), a
-- segment that segmentation offload made several packets counted once (flows.ts withoutPieces).
-- Output view: sql_tcp_flow_totals (inner_ver, src, sport, dst, dport: the direction; packets,
-- bytes, in_pieces: the segments left out; fragmented: journeys of the tuple that were fragmented,
-- whose bytes the flows table counts from the datagram's fragments, which this does not do).
-- One view, its steps in WITH: computed only when asked for, not with the journeys and verdicts.
-- Same dialect as correlate.sql.

CREATE OR REPLACE TEMPORARY VIEW sql_tcp_flow_totals AS
WITH
-- 1. Each journey's first sighting on each directed 5-tuple it crossed (NAT: more than one), in hop
-- order, with what flows.ts counts of it: the segment's sequence range when it carries data and its
-- TCP header is whole (flags TRANSPORT_CUT 256: the snap length cut it). The first is the lowest
-- hop, by MIN over the tuple: DuckDB's top-N rewrite of ROW_NUMBER() ... = 1 failed on a lab set.
flow_sightings AS (
  SELECT * FROM (
    SELECT s.*, hash64(s.inner_ver, s.src, s.sport, s.dst, s.dport) AS tkey,
      MIN(s.hop) OVER (PARTITION BY s.jkey, s.inner_ver, s.src, s.sport, s.dst, s.dport) AS first_hop
    FROM (
      SELECT o.jkey, o.hop, o.frag_off, o.inner_ver, o.inner_src AS src, COALESCE(o.sport, -1) AS sport, o.inner_dst AS dst,
        COALESCE(o.dport, -1) AS dport, CAST(p.tcp_seq AS BIGINT) AS seq, CAST(p.pay_len AS BIGINT) AS pay_len,
        CAST(CASE WHEN p.inner_len > 0 THEN p.inner_len ELSE p.orig_len END AS BIGINT) AS bytes,
        CASE WHEN p.pay_len > 0 AND p.flags % 512 < 256 THEN 1 ELSE 0 END AS data,
        MAX(CASE WHEN p.inner_frag % 8192 <> 0 OR p.inner_frag % 32768 >= 16384 THEN 1 ELSE 0 END) OVER (PARTITION BY o.jkey) AS fragmented
      FROM sql_ordered o JOIN packets p ON p.capture = o.capture AND p.idx = o.idx
      WHERE o.inner_proto = 6
    ) s
    WHERE s.frag_off = 0
  ) s WHERE hop = first_hop
),
-- 2. Segments seen elsewhere in pieces (flows.ts withoutPieces): a data segment whose bytes shorter
-- segments of the same direction carried, each first seen within 100 ms of it at none of the points
-- it was seen at (the sending NIC cut it after its capture point, the receiver's GRO merged them).
-- The pieces start at its first byte or later, so one starts where it starts: only segments with
-- such a first piece (an equality join: none where nothing was offloaded) are swept.
flow_data AS (
  SELECT s.*, f.t_ns AS first_ns
  FROM flow_sightings s JOIN sql_ordered f ON f.jkey = s.jkey AND f.hop = 0
  WHERE s.data = 1 AND s.fragmented = 0
),
-- Each segment with a shorter one starting at its first byte, and the shorter segments of its
-- direction that start within it (d: from its first byte; a segment is shorter than 64 KiB, so they
-- start in its 64 KiB block of sequence space or the next), first seen within 100 ms of it.
piece_pairs AS (
  SELECT x.* FROM (
    SELECT w.jkey, w.tkey, w.len, p.jkey AS piece, p.pay_len,
      ((p.seq - w.seq) % 4294967296 + 4294967296) % 4294967296 AS d
    FROM (
      SELECT DISTINCT s.jkey, s.tkey, s.inner_ver, s.src, s.sport, s.dst, s.dport, s.seq, s.pay_len AS len, s.first_ns
      FROM flow_data s JOIN flow_data e ON e.tkey = s.tkey AND e.inner_ver = s.inner_ver AND e.src = s.src AND e.sport = s.sport
        AND e.dst = s.dst AND e.dport = s.dport AND e.seq = s.seq AND e.pay_len < s.pay_len
    ) w
    CROSS JOIN (SELECT 0 AS b UNION ALL SELECT 1) k
    JOIN flow_data p ON p.tkey = w.tkey AND p.inner_ver = w.inner_ver AND p.src = w.src AND p.sport = w.sport
      AND p.dst = w.dst AND p.dport = w.dport
      AND CAST((p.seq - p.seq % 65536) / 65536 AS BIGINT) = (CAST((w.seq - w.seq % 65536) / 65536 AS BIGINT) + k.b) % 65536
    WHERE p.pay_len < w.len AND abs(p.first_ns - w.first_ns) <= 100000000
  ) x
  WHERE x.d < x.len
),
-- The pieces must be seen at none of the points the segment was seen at (a resend shares the
-- sender's captures); swept in sequence order, they cover the segment from its first byte to its
-- last without a hole.
in_pieces AS (
  SELECT jkey, tkey FROM (
    SELECT w.*,
      MIN(CASE WHEN d > covered THEN pos ELSE NULL END) OVER (PARTITION BY jkey, tkey) AS gap_pos,
      MIN(CASE WHEN d <= covered AND d + pay_len >= len THEN pos ELSE NULL END) OVER (PARTITION BY jkey, tkey) AS done_pos
    FROM (
      SELECT q.*,
        ROW_NUMBER() OVER (PARTITION BY q.jkey, q.tkey ORDER BY q.d, q.pay_len DESC, q.piece) AS pos,
        COALESCE(MAX(q.d + q.pay_len) OVER (PARTITION BY q.jkey, q.tkey ORDER BY q.d, q.pay_len DESC, q.piece
          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS covered
      FROM piece_pairs q
      LEFT JOIN (
        SELECT DISTINCT x.jkey, x.piece
        FROM (SELECT DISTINCT jkey, piece FROM piece_pairs) x
        JOIN sql_ordered a ON a.jkey = x.jkey
        JOIN sql_ordered b ON b.jkey = x.piece AND b.point = a.point
      ) sh ON sh.jkey = q.jkey AND sh.piece = q.piece
      WHERE sh.jkey IS NULL
    ) w
  ) y
  WHERE done_pos IS NOT NULL AND (gap_pos IS NULL OR done_pos < gap_pos)
  GROUP BY jkey, tkey
)
-- 3. The totals per direction of each 5-tuple.
SELECT s.inner_ver, s.src, s.sport, s.dst, s.dport,
  SUM(CASE WHEN ip.jkey IS NULL THEN 1 ELSE 0 END) AS packets,
  SUM(CASE WHEN ip.jkey IS NULL AND s.fragmented = 0 THEN s.bytes ELSE 0 END) AS bytes,
  SUM(CASE WHEN ip.jkey IS NULL THEN 0 ELSE 1 END) AS in_pieces,
  SUM(s.fragmented) AS fragmented
FROM flow_sightings s
LEFT JOIN in_pieces ip ON ip.jkey = s.jkey AND ip.tkey = s.tkey
GROUP BY s.inner_ver, s.src, s.sport, s.dst, s.dport;
