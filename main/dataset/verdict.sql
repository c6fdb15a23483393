-- Each journey's verdict, after correlate.sql (its views sql_ordered, sql_hops, sql_icmp_quotes):
-- what decided whether the packet got there and, when it did not, where it was last seen and which
-- capture should have seen it next. The same decisions as main/topology in process, in its order
-- (hops.ts judge): a multicast / broadcast / link-local packet ('link-scope'); an ICMP error quoting
-- the packet ('refused' when its destination sent it, else 'icmp-error'); seen where the
-- destination receives it ('reached-destination', or 'unanswered' for a TCP SYN to a node's own
-- address there, sent again and never answered: hops.ts unansweredAtNode); answered in the destination's name by its node
-- ('rejected': a policy's forged TCP reset, hops.ts answerMadeBy); answered by the sender's own node
-- for an address no pod or node owns, a service address it holds ('rejected' for a TCP reset, else
-- 'answered-by-node': hops.ts answeredByOwnNode); a TCP reset the sender's own node made in the name
-- of an address not its own ('rejected': hops.ts resetBySendersNode); answered by the destination
-- ('answered', verdict.ts findAnswers); a capture running on the expected path that did not see it
-- ('missing', hops.ts pathCheck); otherwise 'undetermined'.
--
-- Input tables besides correlate.sql's: points (id, capture, ifindex, node, kind, pod_ip, cluster, first_ns,
-- last_ns, run_first_ns, run_last_ns: the time the analysis takes the point as capturing),
-- node_addresses, address_nodes (every inner address the analysis saw, with the node
-- owning it or NULL; own_node / own: a node's own address in its pod block, its tunnel device's
-- ('vtep') or its bridge's ('bridge'): the node itself sends from it and receives on it), pods (ip, node: where the model placed each pod, also where no pod block or
-- veth capture tells it: a routed cluster's pod by its own frames on its node's bridge), each by cluster
-- (correlate.sql: a set of separate clusters).
-- Output view: sql_verdicts, one row per journey: status ('delivered' / 'dropped' / 'unknown'),
-- verdict (a code above, or 'unknown: <why>' where the dataset lacks what the in-process path
-- finder would decide it by: an address the analysis tables never saw), the packet that decided it (error_capture / error_idx, answer_capture /
-- answer_idx), where it was last seen (last_point, last_node) and, for 'missing', the capture
-- point that was running on the path and did not see it (missed_by: a point id, or the file of a
-- whole `-i any` capture).
-- Also sql_in_pieces (jkey, slot, point, after_hop, pieces: a place the journey's TCP segment
-- crossed in other packets, segmentation offload) and sql_offload_pieces (those packets, in order).
-- Same dialect as correlate.sql.

-- 1. Each journey's first and last sighting, with the fields the verdict reads.
CREATE OR REPLACE TEMPORARY VIEW sql_ends AS
SELECT f.jkey, f.hop_count, f.corrected AS at_ns, f.link_scope, f.set_cluster,
  f.capture AS f_capture, f.idx AS f_idx, f.point AS f_point, f.inner_ver AS f_ver, f.inner_src AS f_src, f.inner_dst AS f_dst,
  f.inner_proto AS proto, f.frag_off AS f_frag,
  l.capture AS l_capture, l.idx AS l_idx, l.point AS l_point, l.node AS l_node, l.kind AS l_kind, l.pod_ip AS l_pod_ip, l.pod_ip6 AS l_pod_ip6,
  l.inner_ver AS l_ver, l.inner_dst AS l_dst
FROM sql_ordered f JOIN sql_ordered l ON l.jkey = f.jkey AND l.hop = f.hop_count - 1
WHERE f.hop = 0;

-- 2. The expected path (hops.ts expectedPath): the sender's side, then the receiver's, from the
-- nodes that own the first source and the last destination. Bridges and tunnel devices are
-- expected only where some capture of that kind exists. Slot order is path order. A sender on no
-- known node whose packet was seen on another node than the destination's ('came_across') is
-- expected on the destination node's NIC (and tunnel device) too. An address's node: its owner in
-- address_nodes, else the node the model placed the pod on, else the node holding it as its own
-- (hops.ts nodeOfAddr after the model). A node's own address is no pod: none of its veth or bridge
-- as a source; as a destination it is received where the packet enters the node, the tunnel device
-- from another node, the bridge from one of its pods.
CREATE OR REPLACE TEMPORARY VIEW sql_address_owner AS
SELECT a.ip, a.cluster, COALESCE(a.node, p.node, a.own_node) AS node, a.own
FROM address_nodes a LEFT JOIN pods p ON p.ip = a.ip AND p.cluster = a.cluster;

-- Node pairs whose pods the captures show routed natively (hops.ts nativePairs): a packet from a
-- pod of one to a pod of the other bare on an underlay capture, and no tunnel packet between the
-- two nodes (a cluster tunnelling only across subnets). Their packets are not expected in the tunnel.
CREATE OR REPLACE TEMPORARY VIEW sql_tunnel_pairs AS
SELECT DISTINCT LEAST(a.node, b.node) AS node_a, GREATEST(a.node, b.node) AS node_b
FROM packets p
JOIN node_addresses a ON a.ip = p.outer_src
JOIN node_addresses b ON b.ip = p.outer_dst
WHERE p.tunnel <> 'none';

CREATE OR REPLACE TEMPORARY VIEW sql_native_pairs AS
SELECT DISTINCT x.node_a, x.node_b
FROM (
  SELECT LEAST(s.node, d.node) AS node_a, GREATEST(s.node, d.node) AS node_b
  FROM packets p
  JOIN points pt ON pt.id = p.point
  JOIN sql_address_owner s ON s.ip = p.inner_src
  JOIN sql_address_owner d ON d.ip = p.inner_dst
  LEFT JOIN node_addresses su ON su.ip = p.inner_src
  LEFT JOIN node_addresses du ON du.ip = p.inner_dst
  WHERE p.tunnel = 'none' AND p.inner_ver IN (4, 6) AND pt.kind = 'underlay' AND pt.node IS NOT NULL
    AND s.node IS NOT NULL AND d.node IS NOT NULL AND s.node <> d.node
    AND s.own IS NULL AND d.own IS NULL AND su.ip IS NULL AND du.ip IS NULL
) x
LEFT JOIN sql_tunnel_pairs tp ON tp.node_a = x.node_a AND tp.node_b = x.node_b
WHERE tp.node_a IS NULL;

CREATE OR REPLACE TEMPORARY VIEW sql_path_ends AS
SELECT e.*, sn.node AS sn, dn.node AS dn, sn.ip IS NULL AS src_unseen, dn.ip IS NULL AS dst_unseen,
  sn.node IS NOT NULL AND su.ip IS NULL AND sn.own IS NULL AS src_pod,
  dn.node IS NOT NULL AND du.ip IS NULL AND dn.own IS NULL AS dst_pod,
  dn.own IS NOT NULL AS dst_own,
  ta.jkey IS NOT NULL AS to_node_address,
  sn.node IS NULL AND dn.node IS NOT NULL AND (jn.lo_node <> dn.node OR jn.hi_node <> dn.node) AS came_across,
  k.bridged, k.tunnelled AND np.node_a IS NULL AS tunnelled, ab.node IS NOT NULL AS src_any_bridge
FROM sql_ends e
LEFT JOIN sql_address_owner sn ON sn.ip = e.f_src AND sn.cluster = e.set_cluster
LEFT JOIN sql_address_owner dn ON dn.ip = e.l_dst AND dn.cluster = e.set_cluster
LEFT JOIN node_addresses su ON su.ip = e.f_src
LEFT JOIN node_addresses du ON du.ip = e.l_dst
-- Addressed to a node itself on some hop (a hostNetwork server, a reply to a node's SNAT address):
-- between nodes it went as it is, not through the tunnel, which routes only pod blocks.
LEFT JOIN (SELECT DISTINCT o.jkey FROM sql_ordered o JOIN node_addresses na ON na.ip = o.inner_dst) ta ON ta.jkey = e.jkey
LEFT JOIN (SELECT jkey, MIN(node) AS lo_node, MAX(node) AS hi_node FROM sql_ordered WHERE node IS NOT NULL GROUP BY jkey) jn ON jn.jkey = e.jkey
-- Nodes whose bridge is captured only as an interface of a `-i any` capture (hops.ts anyOnlyBridge).
LEFT JOIN (
  SELECT node FROM points
  WHERE node IS NOT NULL AND (kind = 'bridge' OR (kind = 'any' AND ifindex IS NULL))
  GROUP BY node
  HAVING MIN(CASE WHEN kind = 'bridge' AND ifindex IS NOT NULL THEN 1 ELSE 0 END) = 1
) ab ON ab.node = sn.node
LEFT JOIN sql_native_pairs np ON np.node_a = LEAST(sn.node, dn.node) AND np.node_b = GREATEST(sn.node, dn.node)
-- Whether the journey's cluster has any capture of a bridge, of a tunnel device.
JOIN (
  SELECT cluster, MAX(CASE WHEN kind = 'bridge' THEN 1 ELSE 0 END) = 1 AS bridged,
    MAX(CASE WHEN kind IN ('vtep', 'tun') THEN 1 ELSE 0 END) = 1 AS tunnelled
  FROM points GROUP BY cluster
) k ON k.cluster = e.set_cluster;

CREATE OR REPLACE TEMPORARY VIEW sql_expected AS
SELECT jkey, slot, node, kind1, kind2, pod,
  MAX(slot) OVER (PARTITION BY jkey) AS last_slot
FROM (
  SELECT p.jkey, s.slot,
    CASE WHEN s.slot <= 4 THEN p.sn ELSE p.dn END AS node,
    s.kind1, s.kind2,
    CASE s.slot WHEN 1 THEN p.f_src WHEN 8 THEN p.l_dst ELSE NULL END AS pod
  FROM sql_path_ends p
  CROSS JOIN (
    SELECT 1 AS slot, 'veth' AS kind1, 'veth' AS kind2 UNION ALL SELECT 2, 'bridge', 'bridge' UNION ALL SELECT 3, 'vtep', 'tun'
    UNION ALL SELECT 4, 'underlay', 'underlay' UNION ALL SELECT 5, 'underlay', 'underlay' UNION ALL SELECT 6, 'vtep', 'tun'
    UNION ALL SELECT 7, 'bridge', 'bridge' UNION ALL SELECT 8, 'veth', 'veth'
  ) s
  WHERE CASE s.slot
    WHEN 1 THEN p.src_pod
    WHEN 2 THEN p.src_pod AND p.bridged AND NOT (p.sn = p.dn AND p.dst_pod AND p.src_any_bridge)
    WHEN 3 THEN p.sn IS NOT NULL AND p.dn IS NOT NULL AND p.sn <> p.dn AND p.tunnelled AND (p.dst_pod OR p.dst_own) AND NOT p.to_node_address
    WHEN 4 THEN p.sn IS NOT NULL AND p.dn IS NOT NULL AND p.sn <> p.dn
    WHEN 5 THEN (p.sn IS NOT NULL AND p.dn IS NOT NULL AND p.sn <> p.dn) OR p.came_across
    WHEN 6 THEN (p.sn IS NOT NULL AND p.dn IS NOT NULL AND p.sn <> p.dn AND p.tunnelled AND (p.dst_pod OR p.dst_own) AND NOT p.to_node_address)
      OR (p.came_across AND p.tunnelled AND (p.dst_pod OR p.dst_own) AND NOT p.to_node_address)
    WHEN 7 THEN (p.dst_pod AND p.bridged AND NOT (p.sn = p.dn AND p.src_pod)) OR (p.dst_own AND p.bridged AND p.sn = p.dn AND p.src_pod)
    ELSE p.dst_pod END
) x;

-- 3. Per expected place: the capture points that would see it there (a whole `-i any` capture of
-- the node sees every interface), whether the journey was seen at one, and when not, whether a
-- capture covering the time missed it. A node's captures run together: a point covers the time its
-- node's captures span (a rotated piece only its own), compared with the journey's sightings on that
-- node (else all), corrected.
CREATE OR REPLACE TEMPORARY VIEW sql_candidates AS
SELECT e.jkey, e.slot, pt.id AS point
FROM sql_expected e JOIN points pt ON pt.node = e.node
WHERE (pt.kind = 'any' AND pt.ifindex IS NULL)
   OR (pt.kind IN (e.kind1, e.kind2) AND (e.pod IS NULL OR pt.pod_ip = e.pod OR pt.pod_ip6 = e.pod));

-- The time each point counts as capturing (corrected): its node's captures' span, or a rotated
-- piece's own first to last packet (points.run_first_ns/run_last_ns, from the analysis).
CREATE OR REPLACE TEMPORARY VIEW sql_point_runs AS
SELECT pt.id AS point,
  CAST(pt.run_first_ns - cp.epoch_ns AS DOUBLE) - COALESCE(MAX(c.offset_ns), 0) AS span_lo,
  CAST(pt.run_last_ns - cp.epoch_ns AS DOUBLE) - COALESCE(MAX(c.offset_ns), 0) AS span_hi
FROM points pt CROSS JOIN correlate_params cp LEFT JOIN clock_offsets c ON c.node = pt.node
WHERE pt.node IS NOT NULL AND pt.run_first_ns IS NOT NULL
GROUP BY pt.id, pt.run_first_ns, pt.run_last_ns, cp.epoch_ns;

-- A `-i any` capture split by interface index: the file's points of that node span its time.
CREATE OR REPLACE TEMPORARY VIEW sql_any_spans AS
SELECT pt.node, pt.capture,
  MIN(CAST(pt.first_ns - cp.epoch_ns AS DOUBLE)) - MAX(COALESCE(c.offset_ns, 0)) AS span_lo,
  MAX(CAST(pt.last_ns - cp.epoch_ns AS DOUBLE)) - MAX(COALESCE(c.offset_ns, 0)) AS span_hi
FROM points pt CROSS JOIN correlate_params cp LEFT JOIN clock_offsets c ON c.node = pt.node
WHERE pt.node IS NOT NULL AND pt.ifindex IS NOT NULL AND pt.first_ns IS NOT NULL
GROUP BY pt.node, pt.capture;

CREATE OR REPLACE TEMPORARY VIEW sql_journey_span AS
SELECT jkey, MIN(corrected) AS lo, MAX(corrected) AS hi FROM sql_ordered GROUP BY jkey;

CREATE OR REPLACE TEMPORARY VIEW sql_journey_node_span AS
SELECT jkey, node, MIN(corrected) AS lo, MAX(corrected) AS hi,
  MIN(CASE WHEN kind = 'veth' AND pod_ip IS NULL THEN hop ELSE NULL END) AS podless_veth_hop
FROM sql_ordered WHERE node IS NOT NULL GROUP BY jkey, node;

CREATE OR REPLACE TEMPORARY VIEW sql_seen AS
SELECT c.jkey, c.slot, MIN(o.hop) AS hop
FROM sql_candidates c JOIN sql_ordered o ON o.jkey = c.jkey AND o.point = c.point
GROUP BY c.jkey, c.slot;

CREATE OR REPLACE TEMPORARY VIEW sql_places AS
SELECT e.jkey, e.slot, e.last_slot, e.node,
  -- A pod's veth the attribution did not tie to a pod: a packet to or from the pod on a veth of its node.
  COALESCE(s.hop, CASE WHEN e.pod IS NOT NULL THEN n.podless_veth_hop ELSE NULL END) AS hop,
  COALESCE(c.candidates, 0) AS candidates,
  COALESCE(n.lo, j.lo) AS lo, COALESCE(n.hi, j.hi) AS hi
FROM sql_expected e
JOIN sql_journey_span j ON j.jkey = e.jkey
LEFT JOIN sql_journey_node_span n ON n.jkey = e.jkey AND n.node = e.node
LEFT JOIN sql_seen s ON s.jkey = e.jkey AND s.slot = e.slot
LEFT JOIN (SELECT jkey, slot, COUNT(*) AS candidates FROM sql_candidates GROUP BY jkey, slot) c
  ON c.jkey = e.jkey AND c.slot = e.slot;

-- The first candidate whose run covers the time the journey was seen on that node: the capture
-- that should have seen it there.
CREATE OR REPLACE TEMPORARY VIEW sql_covering AS
SELECT q.jkey, q.slot, MIN(c.point) AS point
FROM sql_places q
JOIN sql_candidates c ON c.jkey = q.jkey AND c.slot = q.slot
JOIN sql_point_runs r ON r.point = c.point AND r.span_lo <= q.lo AND r.span_hi >= q.hi
WHERE q.hop IS NULL AND q.candidates > 0
GROUP BY q.jkey, q.slot;

-- 3b. Segmentation offload (offload.ts carriedInPieces, asked by hops.ts checkPath): a TCP data
-- segment a running capture did not see as one packet may have crossed it in other packets, cut
-- by GSO/TSO at the sender's NIC or merged by GRO at the receiver's, which no key matches. Asked
-- only where a covering capture missed a journey whose first sighting is a TCP data segment (not
-- a later fragment): on a set captured without offloads, its few real misses.
CREATE OR REPLACE TEMPORARY VIEW sql_offload_asks AS
SELECT c.jkey, c.slot, c.point, q.lo, q.hi, CAST(fp.tcp_seq AS BIGINT) AS seq, CAST(fp.pay_len AS BIGINT) AS len,
  COALESCE(MAX(CASE WHEN b.slot < q.slot THEN b.hop ELSE NULL END), -1) AS after_hop
FROM sql_covering c
JOIN sql_places q ON q.jkey = c.jkey AND q.slot = c.slot
JOIN sql_ends e ON e.jkey = c.jkey
JOIN packets fp ON fp.capture = e.f_capture AND fp.idx = e.f_idx
JOIN sql_places b ON b.jkey = c.jkey
WHERE e.proto = 6 AND e.f_frag = 0 AND fp.pay_len > 0
GROUP BY c.jkey, c.slot, c.point, q.lo, q.hi, fp.tcp_seq, fp.pay_len;

-- The pieces, as one view whose steps are its WITH: each view DuckDB creates binds every view it
-- reads, so a chain of them costs milliseconds per step on every run, offload or not.
CREATE OR REPLACE TEMPORARY VIEW sql_offload_pieces AS
WITH
-- The directed 5-tuples the journey's data sightings carry (NAT gives it several), tried in hop
-- order, each with the IPv4 ID of its first sighting (GSO numbers the pieces up from it).
tuples AS (
  SELECT jkey, hop AS try, inner_ver AS ver, inner_src AS src, inner_dst AS dst, sport, dport, ip_id FROM (
    SELECT o.jkey, o.hop, o.inner_ver, o.inner_src, o.inner_dst, COALESCE(o.sport, -1) AS sport, COALESCE(o.dport, -1) AS dport,
      CAST(p.ip_id AS BIGINT) AS ip_id,
      MIN(o.hop) OVER (PARTITION BY o.jkey, o.inner_ver, o.inner_src, o.inner_dst, o.sport, o.dport) AS first_hop
    FROM sql_ordered o
    JOIN packets p ON p.capture = o.capture AND p.idx = o.idx
    WHERE o.jkey IN (SELECT jkey FROM sql_offload_asks) AND o.inner_proto = 6 AND o.frag_off = 0 AND p.pay_len > 0
  ) t WHERE hop = first_hop
),
-- TCP data sightings on the points asked about, filed by 64 KiB block of sequence space (no packet
-- is longer: a packet overlapping a segment starts in the segment's block or a neighbour).
carried AS (
  SELECT s.point, s.capture, s.idx, s.corrected, s.inner_ver, s.inner_src, s.inner_dst,
    COALESCE(s.sport, -1) AS sport, COALESCE(s.dport, -1) AS dport,
    CAST(p.tcp_seq AS BIGINT) AS seq, CAST(p.pay_len AS BIGINT) AS pay_len, CAST(p.ip_id AS BIGINT) AS ip_id,
    CAST((CAST(p.tcp_seq AS BIGINT) - CAST(p.tcp_seq AS BIGINT) % 65536) / 65536 AS BIGINT) AS block
  FROM sql_sightings s JOIN packets p ON p.capture = s.capture AND p.idx = s.idx
  WHERE s.inner_proto = 6 AND s.frag_off = 0 AND p.pay_len > 0 AND s.point IN (SELECT point FROM sql_offload_asks)
),
-- What that capture carried of the segment's bytes, as offload.ts takes it: sightings of the same
-- directed 5-tuple overlapping its sequence range (d: where each starts, relative to the segment,
-- sequence numbers wrapping at 2^32), seen within 100 ms of the journey there, not the same bytes
-- as one packet again (a resend or a copy) and, for IPv4, with an ID GSO gives a piece: up from
-- the segment's own, at most one per 500 bytes (IPv4's smallest MSS is 536), the same where both
-- start at one sequence number (GRO keeps the first merged packet's). A resend takes an ID past
-- every packet sent since, and is no piece.
candidates AS (
  SELECT c.*, d + pay_len AS e_rel FROM (
    SELECT a.jkey, a.slot, a.point, a.len, a.lo, a.hi, t.try, t.ver, t.ip_id AS seg_id, x.capture, x.idx, x.corrected,
      x.pay_len, x.ip_id,
      ((x.seq - a.seq) % 4294967296 + 4294967296 + 2147483648) % 4294967296 - 2147483648 AS d
    FROM sql_offload_asks a
    JOIN tuples t ON t.jkey = a.jkey
    CROSS JOIN (SELECT -1 AS b UNION ALL SELECT 0 UNION ALL SELECT 1) k
    JOIN carried x ON x.point = a.point AND x.inner_ver = t.ver AND x.inner_src = t.src AND x.inner_dst = t.dst
      AND x.sport = t.sport AND x.dport = t.dport
      AND x.block = (CAST((a.seq - a.seq % 65536) / 65536 AS BIGINT) + k.b + 65536) % 65536
  ) c
  WHERE d < len AND d + pay_len > 0
    AND corrected >= lo - 100000000 AND corrected <= hi + 100000000
    AND NOT (d = 0 AND pay_len = len)
    AND (ver <> 4 OR CASE
      WHEN d = 0 THEN (ip_id - seg_id + 65536) % 65536 = 0
      WHEN d > 0 THEN (ip_id - seg_id + 65536) % 65536 < 32768 AND ((ip_id - seg_id + 65536) % 65536 - 1) * 500 <= d
      ELSE (seg_id - ip_id + 65536) % 65536 <= 32768 AND ((seg_id - ip_id + 65536) % 65536 - 1) * 500 <= 0 - d
    END)
),
-- The sweep over them in sequence order (then time): how far the ones before each covered the
-- segment from its start (covered, relative), the first that leaves a hole (gap_pos) and the first
-- that covers its end (done_pos). Covered without a hole, the pieces are the ones that took the
-- cover further.
sweep AS (
  SELECT w.*,
    MIN(CASE WHEN d > covered THEN pos ELSE NULL END) OVER (PARTITION BY jkey, slot, try) AS gap_pos,
    MIN(CASE WHEN d <= covered AND e_rel >= len THEN pos ELSE NULL END) OVER (PARTITION BY jkey, slot, try) AS done_pos
  FROM (
    SELECT c.*,
      ROW_NUMBER() OVER (PARTITION BY jkey, slot, try ORDER BY d, corrected, capture, idx) AS pos,
      GREATEST(0, COALESCE(MAX(e_rel) OVER (PARTITION BY jkey, slot, try ORDER BY d, corrected, capture, idx
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)) AS covered
    FROM candidates c
  ) w
)
-- The pieces, for the first 5-tuple (in hop order) whose sightings there cover the segment.
SELECT jkey, slot, point, capture, idx,
  ROW_NUMBER() OVER (PARTITION BY jkey, slot ORDER BY pos) - 1 AS piece
FROM (
  SELECT s.*, MIN(try) OVER (PARTITION BY jkey, slot) AS first_try
  FROM sweep s
  WHERE done_pos IS NOT NULL AND (gap_pos IS NULL OR done_pos < gap_pos)
) x
WHERE try = first_try AND pos <= done_pos AND d <= covered AND e_rel > covered;

-- Each expected place the journey crossed in pieces (Journey.offloaded): after which hop, where,
-- how many packets.
CREATE OR REPLACE TEMPORARY VIEW sql_in_pieces AS
SELECT a.jkey, a.slot, a.point, a.after_hop, p.pieces
FROM sql_offload_asks a
JOIN (SELECT jkey, slot, COUNT(*) AS pieces FROM sql_offload_pieces GROUP BY jkey, slot) p ON p.jkey = a.jkey AND p.slot = a.slot;

-- A NIC capture whose snap length cut tunnelled frames before their inner IP header (hops.ts
-- cutFrameNear: `tcpdump -s 96` keeps 32 of an inner IPv6 header's 40 bytes): such a frame from the
-- sending node's underlay address to the receiving node's, within 10 ms of the journey's sightings
-- on that node and, where the point's whole tunnelled frames show the encapsulation's size (outer
-- length less inner), as long as the packet so wrapped, may be the packet, so that capture did not
-- miss it for certain.
CREATE OR REPLACE TEMPORARY VIEW sql_cut_frames AS
SELECT p.point, CAST(p.t_ns - cp.epoch_ns AS DOUBLE) - COALESCE(c.offset_ns, 0) AS corrected, sa.node AS from_node, da.node AS to_node,
  CAST(p.outer_len AS BIGINT) AS outer_len
FROM packets p
JOIN points pt ON pt.id = p.point
CROSS JOIN correlate_params cp
LEFT JOIN clock_offsets c ON c.node = pt.node
LEFT JOIN node_addresses sa ON sa.ip = p.outer_src
JOIN node_addresses da ON da.ip = p.outer_dst
WHERE p.tunnel <> 'none' AND p.flags % 4 >= 2 AND (p.ip_count < 2 OR p.inner_ver IS NULL);

CREATE OR REPLACE TEMPORARY VIEW sql_cut_overheads AS
SELECT DISTINCT p.point, CAST(p.outer_len AS BIGINT) - CAST(p.inner_len AS BIGINT) AS overhead
FROM packets p
WHERE p.tunnel <> 'none' AND p.ip_count >= 2 AND p.inner_ver IS NOT NULL AND p.point IN (SELECT point FROM sql_cut_frames);

CREATE OR REPLACE TEMPORARY VIEW sql_seen_cut AS
SELECT DISTINCT r.jkey, r.slot
FROM sql_covering r
JOIN sql_places q ON q.jkey = r.jkey AND q.slot = r.slot
JOIN sql_path_ends pe ON pe.jkey = r.jkey
JOIN packets fp ON fp.capture = pe.f_capture AND fp.idx = pe.f_idx
JOIN sql_cut_frames f ON f.point = r.point
WHERE r.slot IN (4, 5) AND f.to_node = pe.dn AND (pe.sn IS NULL OR f.from_node = pe.sn)
  AND f.corrected >= q.lo - 10000000 AND f.corrected <= q.hi + 10000000
  AND (NOT EXISTS (SELECT 1 FROM sql_cut_overheads o WHERE o.point = r.point)
    OR EXISTS (SELECT 1 FROM sql_cut_overheads o WHERE o.point = r.point AND o.overhead = f.outer_len - CAST(fp.inner_len AS BIGINT)));

-- Where it was not seen: the capture that was running there and missed it (a whole `-i any`
-- capture of the node when no capture of that interface exists), else NULL (nothing to tell, or
-- it crossed in pieces).
CREATE OR REPLACE TEMPORARY VIEW sql_place_checks AS
SELECT p.jkey, p.slot, p.last_slot, p.node, p.hop,
  CASE
    WHEN p.hop IS NOT NULL THEN NULL
    WHEN p.candidates = 0 THEN a.capture
    WHEN ip.jkey IS NOT NULL THEN NULL
    WHEN sc.jkey IS NOT NULL THEN NULL
    ELSE r.point
  END AS missed_by,
  ip.jkey IS NOT NULL AS in_pieces
FROM sql_places p
LEFT JOIN sql_covering r ON r.jkey = p.jkey AND r.slot = p.slot
LEFT JOIN sql_in_pieces ip ON ip.jkey = p.jkey AND ip.slot = p.slot
LEFT JOIN sql_seen_cut sc ON sc.jkey = p.jkey AND sc.slot = p.slot
LEFT JOIN (
  SELECT q.jkey, q.slot, MIN(a.capture) AS capture
  FROM sql_places q JOIN sql_any_spans a ON a.node = q.node AND a.span_lo <= q.lo AND a.span_hi >= q.hi
  WHERE q.hop IS NULL AND q.candidates = 0
  GROUP BY q.jkey, q.slot
) a ON a.jkey = p.jkey AND a.slot = p.slot;

-- The path's status (hops.ts pathCheck): seen at the last expected place, the destination's, is
-- delivered; a capture that missed it beyond the last place it was seen is a drop there.
CREATE OR REPLACE TEMPORARY VIEW sql_path_status AS
SELECT c.jkey,
  MAX(CASE WHEN c.slot = c.last_slot AND (c.hop IS NOT NULL OR c.in_pieces) THEN 1 ELSE 0 END) = 1 AS final_seen,
  MAX(CASE WHEN c.hop IS NOT NULL OR c.in_pieces THEN c.slot ELSE 0 END) AS last_seen_slot,
  MIN(CASE WHEN c.missed_by IS NOT NULL AND c.slot > l.last_seen_slot THEN c.slot ELSE NULL END) AS drop_slot
FROM sql_place_checks c
JOIN (SELECT jkey, MAX(CASE WHEN hop IS NOT NULL OR in_pieces THEN slot ELSE 0 END) AS last_seen_slot FROM sql_place_checks GROUP BY jkey) l
  ON l.jkey = c.jkey
GROUP BY c.jkey;

-- 4. Answers (verdict.ts findAnswers). Every journey of TCP, UDP or an echo reply is an entry under
-- the directed flow (addresses, ports; an echo's identifier on both sides) of its first and of its
-- last sighting (NAT: the answer may match either), at its first corrected time.
CREATE OR REPLACE TEMPORARY VIEW sql_answer_rows AS
SELECT e.jkey, e.at_ns, e.proto, e.f_frag, e.set_cluster, w.which, p.capture, p.idx, p.inner_ver AS ver, p.inner_src AS src, p.inner_dst AS dst,
  CASE WHEN p.inner_proto IN (6, 17, 132) THEN p.sport
    WHEN p.inner_proto IN (1, 58) AND p.icmp_id IS NOT NULL THEN p.icmp_id ELSE -1 END AS sp,
  CASE WHEN p.inner_proto IN (6, 17, 132) THEN p.dport
    WHEN p.inner_proto IN (1, 58) AND p.icmp_id IS NOT NULL THEN p.icmp_id ELSE -1 END AS dp,
  CAST(p.icmp_type AS INTEGER) AS icmp_type, p.icmp_seq,
  CAST(p.tcp_seq AS BIGINT) AS seq, CAST(p.tcp_ack AS BIGINT) AS ack, CAST(p.tcp_flags AS INTEGER) AS flags,
  CAST(p.pay_len AS BIGINT) AS pay_len
FROM sql_ends e
CROSS JOIN (SELECT 0 AS which UNION ALL SELECT 1) w
JOIN packets p ON p.capture = CASE WHEN w.which = 0 THEN e.f_capture ELSE e.l_capture END
  AND p.idx = CASE WHEN w.which = 0 THEN e.f_idx ELSE e.l_idx END
WHERE e.f_frag = 0;

CREATE OR REPLACE TEMPORARY VIEW sql_answer_entries AS
SELECT * FROM (
  SELECT r.*,
    CASE WHEN (r.proto = 1 AND r.icmp_type = 0) OR (r.proto = 58 AND r.icmp_type = 129) THEN 1 ELSE 0 END AS reply,
    ROW_NUMBER() OVER (PARTITION BY r.jkey, r.ver, r.proto, r.src, r.sp, r.dst, r.dp ORDER BY r.which) AS dup
  FROM sql_answer_rows r
) x
WHERE dup = 1 AND (proto IN (6, 17) OR reply = 1);

-- Entries of one directed flow in time order (TCP's acknowledgement scan counts them).
CREATE OR REPLACE TEMPORARY VIEW sql_answer_list AS
SELECT e.*, ROW_NUMBER() OVER (PARTITION BY set_cluster, ver, proto, src, sp, dst, dp, reply ORDER BY at_ns, capture, idx) AS pos
FROM sql_answer_entries e;

-- Each journey looks for its answer as last seen, then as first seen (which = 1, then 0).
CREATE OR REPLACE TEMPORARY VIEW sql_answer_queries AS
SELECT r.*,
  (r.seq + r.pay_len + CASE WHEN r.flags % 4 >= 2 THEN 1 ELSE 0 END + r.flags % 2) % 4294967296 AS expect
FROM sql_answer_rows r;

-- An echo request: the first reply after it with its sequence, from where it was sent, within 5 s.
-- Replies are looked for going back (the other direction of the flow), else, when none ever went
-- back with that sequence, the same way.
CREATE OR REPLACE TEMPORARY VIEW sql_echo_queries AS
SELECT q.*, CASE WHEN b.n IS NULL THEN 0 ELSE 1 END AS replies_back
FROM sql_answer_queries q
LEFT JOIN (
  SELECT set_cluster, ver, proto, icmp_seq, src, sp, dst, dp, COUNT(*) AS n FROM sql_answer_list WHERE reply = 1
  GROUP BY set_cluster, ver, proto, icmp_seq, src, sp, dst, dp
) b ON b.set_cluster = q.set_cluster AND b.ver = q.ver AND b.proto = q.proto AND b.icmp_seq = q.icmp_seq AND b.src = q.dst AND b.sp = q.dp AND b.dst = q.src AND b.dp = q.sp
WHERE (q.proto = 1 AND q.icmp_type = 8) OR (q.proto = 58 AND q.icmp_type = 128);

CREATE OR REPLACE TEMPORARY VIEW sql_echo_answers AS
SELECT jkey, which, a_capture, a_idx FROM (
  SELECT q.jkey, q.which, a.capture AS a_capture, a.idx AS a_idx, a.src AS a_src, q.dst AS q_dst, a.at_ns - q.at_ns AS after_ns,
    ROW_NUMBER() OVER (PARTITION BY q.jkey, q.which ORDER BY a.at_ns, a.capture, a.idx) AS rn
  FROM sql_echo_queries q
  JOIN sql_answer_list a ON a.reply = 1 AND a.set_cluster = q.set_cluster AND a.ver = q.ver AND a.proto = q.proto AND a.icmp_seq = q.icmp_seq
    AND ((q.replies_back = 1 AND a.src = q.dst AND a.sp = q.dp AND a.dst = q.src AND a.dp = q.sp)
      OR (q.replies_back = 0 AND a.src = q.src AND a.sp = q.sp AND a.dst = q.dst AND a.dp = q.dp))
    AND a.at_ns > q.at_ns
) x
WHERE rn = 1 AND after_ns <= 5000000000 AND a_src = q_dst;

-- The first entry after a query's time in a long list (every segment or datagram of one direction
-- of a flow) by one sort instead of a join of every query with every entry: queries and entries of
-- the list in time order (a query after the entries of its own time), the next entry is the lowest
-- position among the rows after the query. 'back': the flow's other direction (the answer), 'fwd':
-- its own (UDP: the next datagram this way).
CREATE OR REPLACE TEMPORARY VIEW sql_answer_next AS
SELECT jkey, which, side, set_cluster, ver, proto, src, sp, dst, dp, at_ns, next_pos FROM (
  SELECT u.*,
    MIN(pos) OVER (PARTITION BY set_cluster, ver, proto, src, sp, dst, dp ORDER BY at_ns, is_query ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_pos
  FROM (
    SELECT set_cluster, ver, proto, src, sp, dst, dp, at_ns, 0 AS is_query, pos, NULL AS jkey, NULL AS which, NULL AS side
    FROM sql_answer_list WHERE reply = 0
    UNION ALL
    SELECT set_cluster, ver, proto, dst, dp, src, sp, at_ns, 1, CAST(NULL AS BIGINT), jkey, which, 'back'
    FROM sql_answer_queries WHERE proto IN (6, 17)
    UNION ALL
    SELECT set_cluster, ver, proto, src, sp, dst, dp, at_ns, 1, CAST(NULL AS BIGINT), jkey, which, 'fwd'
    FROM sql_answer_queries WHERE proto = 17
  ) u
) x
WHERE is_query = 1 AND next_pos IS NOT NULL;

-- A UDP datagram: the first one back on the same ports within 5 s, unless the next one this way
-- was sent before it.
CREATE OR REPLACE TEMPORARY VIEW sql_udp_answers AS
SELECT b.jkey, b.which, a.capture AS a_capture, a.idx AS a_idx
FROM sql_answer_next b
JOIN sql_answer_list a ON a.reply = 0 AND a.set_cluster = b.set_cluster AND a.ver = b.ver AND a.proto = b.proto AND a.src = b.src AND a.sp = b.sp
  AND a.dst = b.dst AND a.dp = b.dp AND a.pos = b.next_pos
LEFT JOIN sql_answer_next f ON f.side = 'fwd' AND f.jkey = b.jkey AND f.which = b.which
LEFT JOIN sql_answer_list n ON n.reply = 0 AND n.set_cluster = f.set_cluster AND n.ver = f.ver AND n.proto = f.proto AND n.src = f.src AND n.sp = f.sp
  AND n.dst = f.dst AND n.dp = f.dp AND n.pos = f.next_pos
WHERE b.side = 'back' AND b.proto = 17 AND a.at_ns - b.at_ns <= 5000000000 AND (n.at_ns IS NULL OR n.at_ns >= a.at_ns);

-- A TCP segment that expects an acknowledgement (data, SYN or FIN; not a reset): among the next 64
-- segments back, before 5 s and before this one was sent again, the first acknowledging it.
CREATE OR REPLACE TEMPORARY VIEW sql_tcp_segments AS
SELECT q.*
FROM sql_answer_queries q
WHERE q.proto = 6 AND q.expect <> q.seq AND q.flags % 8 < 4;

CREATE OR REPLACE TEMPORARY VIEW sql_tcp_queries AS
SELECT q.*, LEAST(q.at_ns + 5000000000, COALESCE(r.again_ns, q.at_ns + 5000000000)) AS until_ns, nb.next_pos
FROM sql_tcp_segments q
JOIN sql_answer_next nb ON nb.side = 'back' AND nb.jkey = q.jkey AND nb.which = q.which
LEFT JOIN (
  SELECT q.jkey, q.which, MIN(s.at_ns) AS again_ns
  FROM sql_tcp_segments q
  JOIN sql_answer_list s ON s.reply = 0 AND s.set_cluster = q.set_cluster AND s.ver = q.ver AND s.proto = 6 AND s.src = q.src AND s.sp = q.sp AND s.dst = q.dst
    AND s.dp = q.dp AND s.seq = q.seq AND s.at_ns > q.at_ns AND s.pay_len = q.pay_len AND s.flags % 4 = q.flags % 4
  GROUP BY q.jkey, q.which
) r ON r.jkey = q.jkey AND r.which = q.which;

CREATE OR REPLACE TEMPORARY VIEW sql_scan_steps AS
SELECT CAST(a.d * 8 + b.d AS BIGINT) AS step
FROM (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7) a
CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7) b;

CREATE OR REPLACE TEMPORARY VIEW sql_tcp_answers AS
SELECT jkey, which, a_capture, a_idx FROM (
  SELECT q.jkey, q.which, a.capture AS a_capture, a.idx AS a_idx,
    ROW_NUMBER() OVER (PARTITION BY q.jkey, q.which ORDER BY a.pos) AS rn
  FROM sql_tcp_queries q
  CROSS JOIN sql_scan_steps k
  JOIN sql_answer_list a ON a.reply = 0 AND a.set_cluster = q.set_cluster AND a.ver = q.ver AND a.proto = 6
    AND a.src = q.dst AND a.sp = q.dp AND a.dst = q.src AND a.dp = q.sp AND a.pos = q.next_pos + k.step
  WHERE a.at_ns < q.until_ns AND (a.flags % 32) >= 16 AND ((a.ack - q.expect) % 4294967296 + 4294967296) % 4294967296 < 2147483648
) y WHERE rn = 1;

-- The answer: as last seen first, else as first seen.
CREATE OR REPLACE TEMPORARY VIEW sql_answers AS
SELECT jkey, a_capture, a_idx FROM (
  SELECT a.*, ROW_NUMBER() OVER (PARTITION BY jkey ORDER BY which DESC) AS rn
  FROM (
    SELECT * FROM sql_echo_answers UNION ALL SELECT * FROM sql_udp_answers UNION ALL SELECT * FROM sql_tcp_answers
  ) a
) x WHERE rn = 1;

-- 5. Journeys a node made in the name of one of its pods (hops.ts madeOnNode): first seen on the
-- node's tunnel device, inside a tunnel on its NIC, or on its NIC unencapsulated where a capture of
-- the node's pod side ran before it and missed it, with an initial TTL, from a pod of that node (a
-- pod's own packets reach those places routed, one TTL less).
CREATE OR REPLACE TEMPORARY VIEW sql_made_on_node AS
SELECT f.jkey, f.node, f.capture, f.idx, f.inner_ver, f.inner_src
FROM sql_ordered f
JOIN sql_address_owner an ON an.ip = f.inner_src AND an.cluster = f.set_cluster AND an.node = f.node
LEFT JOIN node_addresses na ON na.ip = f.inner_src
LEFT JOIN (SELECT jkey, MIN(CASE WHEN hop IS NOT NULL THEN slot ELSE NULL END) AS slot FROM sql_place_checks GROUP BY jkey) fs
  ON fs.jkey = f.jkey
LEFT JOIN (
  SELECT c.jkey, c.node, MIN(c.slot) AS slot
  FROM sql_place_checks c JOIN sql_places p ON p.jkey = c.jkey AND p.slot = c.slot
  WHERE c.missed_by IS NOT NULL AND p.candidates > 0
  GROUP BY c.jkey, c.node
) ms ON ms.jkey = f.jkey AND ms.node = f.node
WHERE f.hop = 0 AND na.ip IS NULL AND an.own IS NULL AND f.kind IN ('tun', 'vtep', 'underlay') AND f.inner_ttl IN (64, 128, 255)
  AND (f.kind <> 'underlay' OR f.tunnel <> 'none' OR (ms.slot IS NOT NULL AND (fs.slot IS NULL OR ms.slot < fs.slot)));

-- An answer its destination's node made in the destination's name: the answer's journey was made there.
CREATE OR REPLACE TEMPORARY VIEW sql_rejections AS
SELECT a.jkey, m.capture AS made_capture, m.idx AS made_idx
FROM sql_answers a
JOIN sql_ordered o ON o.capture = a.a_capture AND o.idx = a.a_idx
JOIN sql_made_on_node m ON m.jkey = o.jkey
JOIN sql_path_ends pe ON pe.jkey = a.jkey
WHERE m.node = pe.dn AND m.inner_ver = pe.l_ver AND m.inner_src = pe.l_dst;

-- Answers the sender's own node made for an address no pod or node owns (hops.ts answeredByOwnNode:
-- a service's virtual address the node holds as a local one): the answer, from the address the
-- packet was sent to, first seen on that node's bridge with an initial TTL and from a MAC that
-- routes packets onto the node's pod side (the source of a unicast packet with a TTL below the
-- initial one on its bridge or a veth: hops.ts routesOntoPodSide), and both the packet and its
-- answer seen only on that node's pod side (veths, bridge). A TCP reset is 'rejected' there, any
-- other answer 'answered-by-node'.
CREATE OR REPLACE TEMPORARY VIEW sql_node_answer_candidates AS
SELECT a.jkey, f.jkey AS answer_jkey, f.node, f.capture, f.idx, p.inner_mac_src AS mac,
  CASE WHEN f.inner_proto = 6 AND CAST(p.tcp_flags AS INTEGER) % 8 >= 4 THEN 1 ELSE 0 END AS reset
FROM sql_answers a
JOIN sql_path_ends pe ON pe.jkey = a.jkey
JOIN sql_ordered o ON o.capture = a.a_capture AND o.idx = a.a_idx
JOIN sql_ordered f ON f.jkey = o.jkey AND f.hop = 0
JOIN packets p ON p.capture = f.capture AND p.idx = f.idx
WHERE pe.dn IS NULL AND pe.sn = f.node AND f.kind = 'bridge' AND f.inner_ttl IN (64, 128, 255)
  AND f.inner_ver = pe.l_ver AND f.inner_src = pe.l_dst AND p.inner_mac_src IS NOT NULL;

CREATE OR REPLACE TEMPORARY VIEW sql_node_routing_macs AS
SELECT DISTINCT c.node, c.mac
FROM (SELECT DISTINCT node, mac FROM sql_node_answer_candidates) c
JOIN sql_ordered o ON o.node = c.node
JOIN packets p ON p.capture = o.capture AND p.idx = o.idx
WHERE o.kind IN ('bridge', 'veth') AND o.tunnel = 'none' AND NOT o.link_scope AND o.inner_ver IN (4, 6)
  AND o.inner_ttl NOT IN (64, 128, 255) AND p.inner_mac_src = c.mac;

CREATE OR REPLACE TEMPORARY VIEW sql_node_answers AS
SELECT c.jkey, c.capture AS made_capture, c.idx AS made_idx, c.reset
FROM sql_node_answer_candidates c
JOIN sql_node_routing_macs rm ON rm.node = c.node AND rm.mac = c.mac
JOIN (
  SELECT jkey, jkey AS part FROM sql_node_answer_candidates
  UNION ALL SELECT jkey, answer_jkey FROM sql_node_answer_candidates
) x ON x.jkey = c.jkey
JOIN sql_ordered s ON s.jkey = x.part
GROUP BY c.jkey, c.capture, c.idx, c.reset, c.node
HAVING MIN(CASE WHEN s.node = c.node AND s.kind IN ('veth', 'bridge') THEN 1 ELSE 0 END) = 1;

-- TCP SYNs (no ACK) sent more than once (retransmissions: the same addresses, ports and sequence
-- number, each its own journey), none of whose sends was answered nor quoted by an ICMP error
-- (hops.ts unansweredAtNode).
CREATE OR REPLACE TEMPORARY VIEW sql_syn_sends AS
SELECT f.jkey, hash64(p.inner_ver, p.inner_src, p.sport, p.inner_dst, p.dport, p.tcp_seq) AS syn
FROM sql_ordered f JOIN packets p ON p.capture = f.capture AND p.idx = f.idx
WHERE f.hop = 0 AND p.inner_proto = 6 AND CAST(p.tcp_flags AS INTEGER) % 4 >= 2 AND CAST(p.tcp_flags AS INTEGER) % 32 < 16;

CREATE OR REPLACE TEMPORARY VIEW sql_unanswered_syns AS
SELECT s.jkey, g.sends
FROM sql_syn_sends s
JOIN (
  SELECT x.syn, COUNT(*) AS sends, MAX(CASE WHEN a.jkey IS NOT NULL OR q.jkey IS NOT NULL THEN 1 ELSE 0 END) AS heard
  FROM sql_syn_sends x
  LEFT JOIN sql_answers a ON a.jkey = x.jkey
  LEFT JOIN (SELECT DISTINCT jkey FROM sql_icmp_quotes) q ON q.jkey = x.jkey
  GROUP BY x.syn
) g ON g.syn = s.syn
WHERE g.sends >= 2 AND g.heard = 0;

-- TCP resets the sender's own node made in the name of the address the packet was sent to, that
-- address not its own (hops.ts resetBySendersNode: a policy on the way out, or a service address it
-- holds without a backend): the reset first seen on that node's bridge or a veth, unencapsulated,
-- with an initial TTL, from no address of that node, and from the node's own MAC on its pod side (one
-- that routes packets there, sql_node_routing_macs' rule, or sends there from an address the node
-- holds on its pod network, address_nodes.own_node); the packet and the reset seen only on that
-- node's pod side. 'rejected'.
CREATE OR REPLACE TEMPORARY VIEW sql_sender_reset_candidates AS
SELECT a.jkey, f.jkey AS answer_jkey, f.node, f.capture, f.idx, p.inner_mac_src AS mac
FROM sql_answers a
JOIN sql_path_ends pe ON pe.jkey = a.jkey
JOIN sql_ordered o ON o.capture = a.a_capture AND o.idx = a.a_idx
JOIN sql_ordered f ON f.jkey = o.jkey AND f.hop = 0
JOIN packets p ON p.capture = f.capture AND p.idx = f.idx
LEFT JOIN sql_address_owner so ON so.ip = f.inner_src AND so.cluster = f.set_cluster
WHERE pe.sn = f.node AND f.kind IN ('bridge', 'veth') AND f.tunnel = 'none' AND f.inner_proto = 6
  AND CAST(p.tcp_flags AS INTEGER) % 8 >= 4 AND f.inner_ttl IN (64, 128, 255)
  AND f.inner_ver = pe.l_ver AND f.inner_src = pe.l_dst AND so.node IS DISTINCT FROM f.node AND p.inner_mac_src IS NOT NULL;

CREATE OR REPLACE TEMPORARY VIEW sql_node_own_macs AS
SELECT DISTINCT c.node, c.mac
FROM (SELECT DISTINCT node, mac FROM sql_sender_reset_candidates) c
JOIN sql_ordered o ON o.node = c.node
JOIN packets p ON p.capture = o.capture AND p.idx = o.idx
LEFT JOIN address_nodes an ON an.ip = o.inner_src AND an.cluster = o.set_cluster
WHERE o.kind IN ('bridge', 'veth') AND o.tunnel = 'none' AND NOT o.link_scope AND o.inner_ver IN (4, 6)
  AND (o.inner_ttl NOT IN (64, 128, 255) OR an.own_node = c.node) AND p.inner_mac_src = c.mac;

CREATE OR REPLACE TEMPORARY VIEW sql_sender_resets AS
SELECT c.jkey, c.capture AS made_capture, c.idx AS made_idx
FROM sql_sender_reset_candidates c
JOIN sql_node_own_macs om ON om.node = c.node AND om.mac = c.mac
JOIN (
  SELECT jkey, jkey AS part FROM sql_sender_reset_candidates
  UNION ALL SELECT jkey, answer_jkey FROM sql_sender_reset_candidates
) x ON x.jkey = c.jkey
JOIN sql_ordered s ON s.jkey = x.part
GROUP BY c.jkey, c.capture, c.idx, c.node
HAVING MIN(CASE WHEN s.node = c.node AND s.kind IN ('veth', 'bridge') THEN 1 ELSE 0 END) = 1;

-- 6. The verdict, in the path finder's order.
CREATE OR REPLACE TEMPORARY VIEW sql_verdicts AS
SELECT jkey,
  CASE
    WHEN verdict IN ('refused', 'reached-destination', 'answered', 'answered-by-node') THEN 'delivered'
    WHEN verdict IN ('icmp-error', 'rejected', 'missing', 'unanswered') THEN 'dropped'
    ELSE 'unknown'
  END AS status,
  verdict, error_capture, error_idx,
  CASE WHEN verdict = 'answered' THEN answer_capture_found WHEN verdict IN ('rejected', 'answered-by-node') THEN made_capture ELSE NULL END AS answer_capture,
  CASE WHEN verdict = 'answered' THEN answer_idx_found WHEN verdict IN ('rejected', 'answered-by-node') THEN made_idx ELSE NULL END AS answer_idx,
  last_point, last_node, CASE WHEN verdict = 'missing' THEN missed_by ELSE NULL END AS missed_by
FROM (
  SELECT e.jkey, e.l_point AS last_point, e.l_node AS last_node,
    CASE
      WHEN e.link_scope THEN 'link-scope'
      WHEN q.jkey IS NOT NULL AND q.verdict = 'refused' AND q.error_from IN (e.f_dst, e.l_dst) THEN 'refused'
      WHEN q.jkey IS NOT NULL THEN 'icmp-error'
      -- The analysis tables were written from another part of the set: who owns the address, and so
      -- the path the packet should have taken, is not in the dataset.
      WHEN pe.src_unseen OR pe.dst_unseen THEN concat('unknown: ', CASE WHEN pe.src_unseen THEN e.f_src ELSE e.l_dst END,
        ' is not in address_nodes (the analysis tables come from captures without it), so which node owns it and the path expected are not known')
      -- Last seen where a node receives its own address (not a pod's veth): a capture there sees a
      -- packet before the node's filters; a SYN sent again and never answered did not get in.
      WHEN ps.final_seen AND pe.dn IS NOT NULL AND us.jkey IS NOT NULL AND e.l_node = pe.dn
        AND e.l_kind NOT IN ('veth', 'loopback') AND (dna.ip IS NOT NULL OR pe.dst_own) THEN 'unanswered'
      WHEN ps.final_seen AND pe.dn IS NOT NULL THEN 'reached-destination'
      WHEN e.hop_count > 1 AND e.l_kind = 'veth' AND e.f_point <> e.l_point AND (e.l_pod_ip IS NULL OR e.l_pod_ip = e.l_dst OR e.l_pod_ip6 = e.l_dst)
        THEN 'reached-destination'
      WHEN a.jkey IS NOT NULL AND rj.jkey IS NOT NULL THEN 'rejected'
      WHEN a.jkey IS NOT NULL AND na.jkey IS NOT NULL AND na.reset = 1 THEN 'rejected'
      WHEN a.jkey IS NOT NULL AND na.jkey IS NOT NULL THEN 'answered-by-node'
      WHEN a.jkey IS NOT NULL AND sr.jkey IS NOT NULL THEN 'rejected'
      WHEN a.jkey IS NOT NULL THEN 'answered'
      WHEN ps.drop_slot IS NOT NULL THEN 'missing'
      ELSE 'undetermined'
    END AS verdict,
    CASE WHEN e.link_scope THEN NULL ELSE q.error_capture END AS error_capture,
    CASE WHEN e.link_scope THEN NULL ELSE q.error_idx END AS error_idx,
    a.a_capture AS answer_capture_found, a.a_idx AS answer_idx_found,
    COALESCE(rj.made_capture, na.made_capture, sr.made_capture) AS made_capture, COALESCE(rj.made_idx, na.made_idx, sr.made_idx) AS made_idx,
    m.missed_by
  FROM sql_ends e
  JOIN sql_path_ends pe ON pe.jkey = e.jkey
  LEFT JOIN sql_path_status ps ON ps.jkey = e.jkey
  LEFT JOIN sql_place_checks m ON m.jkey = e.jkey AND m.slot = ps.drop_slot
  LEFT JOIN sql_first_quotes q ON q.jkey = e.jkey
  LEFT JOIN sql_answers a ON a.jkey = e.jkey
  LEFT JOIN sql_rejections rj ON rj.jkey = e.jkey
  LEFT JOIN sql_node_answers na ON na.jkey = e.jkey
  LEFT JOIN sql_unanswered_syns us ON us.jkey = e.jkey
  LEFT JOIN node_addresses dna ON dna.ip = e.l_dst AND dna.node = pe.dn
  LEFT JOIN sql_sender_resets sr ON sr.jkey = e.jkey
) v;
