-- The path finder as SQL: journeys, hop order, per-hop latency, NAT and drop location over the
-- `packets` table of a dataset, the same decisions main/topology makes in process
-- (journeys.ts: key and split; hops.ts: hopOrder, natBetween; verdict.ts: quotingErrors).
--
-- Input tables: packets, points (id, node, kind, pod_ip, pod_ip6, pod_side, twin_of, cluster), node_addresses (node, ip: underlay),
-- address_nodes (ip, cluster, node: who owns an address), clock_offsets (node, offset_ns; node is
-- 'capture:<id>' for a capture on no node's clock) and
-- correlate_params (window_ns, repeat_ns, epoch_ns): the runner creates the last one.
-- Output views: sql_sightings, sql_hops (one row per sighting in a journey, in hop order),
-- sql_journeys (one row per journey), sql_icmp_quotes (ICMP errors that quote a journey).
--
-- A set whose captures form separate clusters (points.cluster, from 1; 0 for a set of one) was
-- analysed cluster by cluster: a sighting's cluster (set_cluster) is in its key, so no journey, ICMP
-- quote or answer joins two clusters, and an address's owner is looked up in its own cluster.
--
-- Written in the SQL DuckDB and Spark SQL share: CREATE OR REPLACE TEMPORARY VIEW, CASE,
-- COALESCE, window functions with ROWS frames, % for bit masks (no shifts, no string_agg, no
-- DISTINCT in windows, no QUALIFY). One dialect switch: hash64(...) is a 64-bit hash of its
-- arguments, which the runners name for their engine (DuckDB hash, Spark xxhash64).
-- Statements end with ';' at the end of a line (the runners split there).

-- 1. Sightings that can be matched (an IP packet), with their node's corrected time (nanoseconds
-- from epoch_ns, clock offset removed), the journey key (journeys.ts journeyKeys: no addresses,
-- TTL or encapsulation; one 64-bit hash as the in-process key is two 32-bit ones) and the address
-- pair. Only the columns the steps below read are carried through their windows; the ICMP step
-- takes the rest from `packets` for the few rows it needs.
-- Each point's timestamp grain: 1000 ns when every timestamp it has is a whole microsecond (step 6).
CREATE OR REPLACE TEMPORARY VIEW sql_point_grain AS
SELECT point, CASE WHEN MAX(CASE WHEN t_ns % 1000 <> 0 THEN 1 ELSE 0 END) = 1 THEN 1 ELSE 1000 END AS grain_ns
FROM packets GROUP BY point;

CREATE OR REPLACE TEMPORARY VIEW sql_sightings_all AS
SELECT
  p.capture, p.idx, p.point, p.t_ns, p.tunnel, p.outer_ver, p.outer_src,
  p.inner_ver, p.inner_src, p.inner_dst, p.inner_proto, p.inner_ttl, p.inner_frag % 8192 AS frag_off, p.sport, p.dport,
  pt.node, pt.kind, pt.pod_ip, g.grain_ns, pt.cluster AS set_cluster,
  CASE WHEN pt.pod_ip IS NULL THEN NULL WHEN pt.pod_ip = p.inner_src OR pt.pod_ip6 = p.inner_src THEN 'src'
    WHEN pt.pod_ip = p.inner_dst OR pt.pod_ip6 = p.inner_dst THEN 'dst' ELSE NULL END AS pod_end,
  CASE WHEN pt.pod_side THEN 1 ELSE 0 END AS pod_side,
  CAST(p.t_ns - cp.epoch_ns AS DOUBLE) - COALESCE(c.offset_ns, 0) AS corrected,
  hash64(pt.cluster, p.inner_proto, p.inner_ver, p.ip_id, p.inner_frag % 8192,
    CASE WHEN p.inner_frag % 8192 <> 0 THEN 0
      WHEN p.inner_proto = 6 THEN p.tcp_seq
      WHEN p.inner_proto IN (1, 58) THEN (COALESCE(CAST(p.icmp_type AS INTEGER), 255) % 256) * 256 + COALESCE(CAST(p.icmp_code AS INTEGER), 255) % 256
      ELSE p.pay_len END,
    CASE WHEN p.inner_frag % 8192 <> 0 THEN 0
      WHEN p.inner_proto = 6 THEN p.tcp_ack
      WHEN p.inner_proto IN (1, 58) THEN COALESCE(p.icmp_id, -1)
      ELSE 0 END,
    CASE WHEN p.inner_frag % 8192 <> 0 THEN 0
      WHEN p.inner_proto = 6 THEN p.tcp_flags % 64
      WHEN p.inner_proto IN (1, 58) THEN COALESCE(p.icmp_seq, -1)
      ELSE 0 END,
    CASE WHEN p.inner_frag % 8192 = 0 AND p.inner_proto = 6 THEN p.tcp_win ELSE 0 END,
    p.pay_hash) AS gkey,
  hash64(p.inner_ver, p.inner_src, p.inner_dst) AS pair,
  CASE
    WHEN p.inner_ver = 4 THEN
      p.inner_src4 BETWEEN 3758096384 AND 4026531839 OR p.inner_dst4 BETWEEN 3758096384 AND 4026531839
      OR p.inner_src4 BETWEEN 2851995648 AND 2852061183 OR p.inner_dst4 BETWEEN 2851995648 AND 2852061183
      OR p.inner_src4 IN (0, 4294967295) OR p.inner_dst4 IN (0, 4294967295)
    WHEN p.inner_ver = 6 THEN
      lower(p.inner_src) LIKE 'ff%' OR lower(p.inner_src) LIKE 'fe8%' OR lower(p.inner_src) LIKE 'fe9%'
      OR lower(p.inner_src) LIKE 'fea%' OR lower(p.inner_src) LIKE 'feb%' OR p.inner_src = '::'
      OR lower(p.inner_dst) LIKE 'ff%' OR lower(p.inner_dst) LIKE 'fe8%' OR lower(p.inner_dst) LIKE 'fe9%'
      OR lower(p.inner_dst) LIKE 'fea%' OR lower(p.inner_dst) LIKE 'feb%' OR p.inner_dst = '::'
    ELSE false
  END AS link_scope,
  CASE WHEN p.flags % 4 >= 2 OR p.flags % 1024 >= 256 THEN 1 ELSE 0 END AS cut,
  CASE WHEN p.flags % 1024 >= 256 AND p.flags % 512 < 256 THEN 0 ELSE 1 END AS tcp_head,
  -- A cut row's key from the headers that identify its packet (journeys.ts cutIdentity: TCP 2 with
  -- flags and window, 1 a TCP header the snap length cut, 3 an echo), NULL where they do not.
  CASE WHEN NOT (p.flags % 4 >= 2 OR p.flags % 1024 >= 256) OR p.inner_frag % 8192 <> 0 THEN NULL
    WHEN p.inner_proto = 6 AND p.flags % 512 < 256 THEN
      hash64(pt.cluster, p.inner_proto, p.inner_ver, p.ip_id, p.inner_len, 2, p.tcp_seq, p.tcp_ack, p.tcp_flags % 64, p.tcp_win)
    WHEN p.inner_proto = 6 AND (p.tcp_seq <> 0 OR p.tcp_ack <> 0) THEN
      hash64(pt.cluster, p.inner_proto, p.inner_ver, p.ip_id, p.inner_len, 1, p.tcp_seq, p.tcp_ack, 0, 0)
    WHEN p.inner_proto IN (1, 58) AND p.icmp_id IS NOT NULL AND p.icmp_id >= 0
      AND ((p.inner_proto = 1 AND p.icmp_type IN (0, 8)) OR (p.inner_proto = 58 AND p.icmp_type IN (128, 129))) THEN
      hash64(pt.cluster, p.inner_proto, p.inner_ver, p.ip_id, p.inner_len, 3, p.icmp_type, p.icmp_code, p.icmp_id, p.icmp_seq)
    ELSE NULL END AS cut_key
FROM packets p
JOIN points pt ON pt.id = p.point
JOIN sql_point_grain g ON g.point = p.point
CROSS JOIN correlate_params cp
LEFT JOIN clock_offsets c ON c.node = COALESCE(pt.node, concat('capture:', pt.capture))
WHERE p.inner_proto IS NOT NULL;

-- A point that repeats another's capture of the same interface (points.twin_of; attribution.ts
-- twinCaptures) is no hop where that one holds the same frame within 50 µs: one sighting, that one's.
CREATE OR REPLACE TEMPORARY VIEW sql_twin_rows AS
SELECT s.capture, s.idx
FROM sql_sightings_all s
JOIN points pt ON pt.id = s.point
JOIN sql_sightings_all m ON m.point = pt.twin_of AND m.gkey = s.gkey
WHERE abs(m.t_ns - s.t_ns) <= 50000
GROUP BY s.capture, s.idx;

CREATE OR REPLACE TEMPORARY VIEW sql_sightings AS
SELECT a.*
FROM sql_sightings_all a
LEFT JOIN sql_twin_rows w ON w.capture = a.capture AND w.idx = a.idx
WHERE w.capture IS NULL;

-- 2. Rows whose capture's snap length cut what the key hashes (flags TRUNCATED 2, TRANSPORT_CUT
-- 256, PAYLOAD_CUT 512: a TCP header's flags and window, the payload's first bytes) cannot hash as
-- the whole packet does elsewhere (journeys.ts keyCutRows): each takes the key of the whole sighting
-- nearest in (raw) time that agrees on everything the cut row still holds: IP version, protocol,
-- IP ID, total length, fragment offset, and the TCP sequence numbers (when captured: a cut header
-- without them reads 0 and 0) or the ICMP type, id and sequence. Without one a row is keyed by the
-- headers that identify its packet (cut_key, sql_header_keys: every capture cut it, each after its
-- own number of bytes), any other row keeps its own key.
CREATE OR REPLACE TEMPORARY VIEW sql_cut_keys AS
SELECT capture, idx, gkey FROM (
  SELECT c.capture, c.idx, w.gkey,
    ROW_NUMBER() OVER (PARTITION BY c.capture, c.idx ORDER BY abs(wp.t_ns - cp.t_ns), w.capture, w.idx) AS rn
  FROM sql_sightings c
  JOIN packets cp ON cp.capture = c.capture AND cp.idx = c.idx
  JOIN packets wp ON wp.ip_id = cp.ip_id AND wp.inner_ver = cp.inner_ver AND wp.inner_proto = cp.inner_proto
    AND wp.inner_len = cp.inner_len AND wp.inner_frag % 8192 = c.frag_off
  JOIN sql_sightings w ON w.capture = wp.capture AND w.idx = wp.idx AND w.set_cluster = c.set_cluster
  WHERE c.cut = 1 AND w.cut = 0
    AND (c.frag_off <> 0
      OR (cp.inner_proto = 6 AND ((cp.tcp_seq = 0 AND cp.tcp_ack = 0) OR (wp.tcp_seq = cp.tcp_seq AND wp.tcp_ack = cp.tcp_ack)))
      OR (cp.inner_proto IN (1, 58) AND wp.icmp_type IS NOT DISTINCT FROM cp.icmp_type
        AND wp.icmp_id IS NOT DISTINCT FROM cp.icmp_id AND wp.icmp_seq IS NOT DISTINCT FROM cp.icmp_seq)
      OR cp.inner_proto NOT IN (1, 6, 58))
) x WHERE rn = 1;

-- A cut row with no whole sighting is keyed by the headers that identify its packet (cut_key:
-- every capture cut it, each after its own number of bytes); a TCP header the snap length cut
-- itself takes the cut_key of the nearest such row with the TCP header whole that agrees on IP ID,
-- length and sequence numbers (journeys.ts keyCutRows), else its own.
CREATE OR REPLACE TEMPORARY VIEW sql_header_keys AS
SELECT capture, idx, cut_key FROM (
  SELECT c.capture, c.idx, w.cut_key,
    ROW_NUMBER() OVER (PARTITION BY c.capture, c.idx ORDER BY abs(wp.t_ns - cp.t_ns), w.capture, w.idx) AS rn
  FROM sql_sightings c
  JOIN packets cp ON cp.capture = c.capture AND cp.idx = c.idx
  JOIN packets wp ON wp.ip_id = cp.ip_id AND wp.inner_ver = cp.inner_ver AND wp.inner_proto = cp.inner_proto
    AND wp.inner_len = cp.inner_len AND wp.inner_frag % 8192 = 0 AND wp.tcp_seq = cp.tcp_seq AND wp.tcp_ack = cp.tcp_ack
  JOIN sql_sightings w ON w.capture = wp.capture AND w.idx = wp.idx AND w.set_cluster = c.set_cluster
  LEFT JOIN sql_cut_keys ck ON ck.capture = c.capture AND ck.idx = c.idx
  LEFT JOIN sql_cut_keys wk ON wk.capture = w.capture AND wk.idx = w.idx
  WHERE c.cut = 1 AND c.tcp_head = 0 AND c.cut_key IS NOT NULL AND c.inner_proto = 6
    AND w.cut = 1 AND w.tcp_head = 1 AND w.cut_key IS NOT NULL AND ck.idx IS NULL AND wk.idx IS NULL
) x WHERE rn = 1;

-- 3. A key group of identical bytes from different hosts is split by address pair when it holds
-- traffic no NAT rewrites (journeys.ts: untranslatable). mkey: the row's own key, or the one a cut
-- row took above; pkey: what the steps below group by.
CREATE OR REPLACE TEMPORARY VIEW sql_grouped AS
SELECT s.*,
  CASE WHEN k.g_n > 1 AND k.g_local = 1 AND k.g_pmin <> k.g_pmax THEN hash64(s.mkey, s.pair) ELSE s.mkey END AS pkey
FROM (
  SELECT s.*, COALESCE(ck.gkey, hk.cut_key, s.cut_key, s.gkey) AS mkey
  FROM sql_sightings s LEFT JOIN sql_cut_keys ck ON ck.capture = s.capture AND ck.idx = s.idx
  LEFT JOIN sql_header_keys hk ON hk.capture = s.capture AND hk.idx = s.idx
) s
JOIN (
  SELECT COALESCE(ck.gkey, hk.cut_key, s.cut_key, s.gkey) AS mkey, COUNT(*) AS g_n,
    MAX(CASE WHEN link_scope THEN 1 ELSE 0 END) AS g_local, MIN(pair) AS g_pmin, MAX(pair) AS g_pmax
  FROM sql_sightings s LEFT JOIN sql_cut_keys ck ON ck.capture = s.capture AND ck.idx = s.idx
  LEFT JOIN sql_header_keys hk ON hk.capture = s.capture AND hk.idx = s.idx
  GROUP BY COALESCE(ck.gkey, hk.cut_key, s.cut_key, s.gkey)
) k ON k.mkey = s.mkey;

-- 4. Journeys: cut where the corrected gap exceeds the window ...
CREATE OR REPLACE TEMPORARY VIEW sql_segmented AS
SELECT x.*,
  SUM(gap_new) OVER (PARTITION BY pkey ORDER BY corrected, capture, idx ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS seg
FROM (
  SELECT g.*,
    CASE
      WHEN LAG(corrected) OVER (PARTITION BY pkey ORDER BY corrected, capture, idx) IS NULL THEN 1
      WHEN corrected - LAG(corrected) OVER (PARTITION BY pkey ORDER BY corrected, capture, idx) > cp.window_ns THEN 1
      ELSE 0
    END AS gap_new
  FROM sql_grouped g CROSS JOIN correlate_params cp
) x;

-- ... and where one capture point sees the same bytes again more than repeat_ns after it last saw
-- them in the same form (a resent packet; not one crossing the point again routed, with a lower
-- TTL, or encapsulated by a user-space tunnel, which may take milliseconds): each point counts its
-- own repeats, a journey ends when any point starts its next copy.
CREATE OR REPLACE TEMPORARY VIEW sql_repeats AS
SELECT r.*,
  SUM(rep) OVER (PARTITION BY pkey, seg, point ORDER BY corrected, capture, idx ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS inst
FROM (
  SELECT s.*,
    CASE
      WHEN t_ns - LAG(t_ns) OVER wp > cp.repeat_ns AND tunnel = LAG(tunnel) OVER wp AND inner_ttl = LAG(inner_ttl) OVER wp THEN 1
      ELSE 0
    END AS rep
  FROM sql_segmented s CROSS JOIN correlate_params cp
  WINDOW wp AS (PARTITION BY pkey, seg, point ORDER BY corrected, capture, idx)
) r;

-- A copy begins with every sighting stamped the same instant as the one that starts it (RANGE: its
-- peers in time), which the time order cannot put on either side of it.
CREATE OR REPLACE TEMPORARY VIEW sql_journey_rows AS
SELECT r.*,
  hash64(pkey, seg,
    MAX(inst) OVER (PARTITION BY pkey, seg ORDER BY corrected RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) AS jkey,
  ROW_NUMBER() OVER (PARTITION BY pkey, seg ORDER BY corrected, capture, idx) AS seg_pos
FROM sql_repeats r;

-- 5. The sender node (hops.ts senderNode): the outer source of the first tunnel sighting, else
-- the owner of the first sighting's inner source (address_nodes: an underlay address, else a pod block).
CREATE OR REPLACE TEMPORARY VIEW sql_first AS
SELECT jkey, corrected AS first_corrected, inner_src AS first_src, set_cluster
FROM (
  SELECT jkey, corrected, inner_src, set_cluster,
    ROW_NUMBER() OVER (PARTITION BY jkey ORDER BY corrected, capture, idx) AS rn
  FROM sql_journey_rows
) f WHERE rn = 1;

CREATE OR REPLACE TEMPORARY VIEW sql_tunnel_sender AS
SELECT jkey, node FROM (
  SELECT j.jkey, na.node, ROW_NUMBER() OVER (PARTITION BY j.jkey ORDER BY j.corrected, j.capture, j.idx) AS rn
  FROM sql_journey_rows j JOIN node_addresses na ON na.ip = j.outer_src
  WHERE j.tunnel <> 'none' AND j.outer_ver IS NOT NULL
) t WHERE rn = 1;

CREATE OR REPLACE TEMPORARY VIEW sql_sender AS
SELECT f.jkey, f.first_corrected, COALESCE(ts.node, an.node) AS sender
FROM sql_first f
LEFT JOIN sql_tunnel_sender ts ON ts.jkey = f.jkey
LEFT JOIN address_nodes an ON an.ip = f.first_src AND an.cluster = f.set_cluster;

-- 6. Hop order (hops.ts hopOrder): the sender node first, the other nodes by their first corrected
-- sighting, then time, then where the interface sits on the way out (sender) or in (others), then
-- the higher TTL. A pod's veth is first for what its pod sends and last for what it receives; a
-- capture inside the pod (pod_side) before the host's end on the way out, after it on the way in.
CREATE OR REPLACE TEMPORARY VIEW sql_ranked AS
SELECT j.*, s.sender,
  CASE WHEN COALESCE(j.node, concat('~', j.point)) = s.sender THEN -1.0E300 ELSE MIN(j.corrected) OVER wn END AS node_rank,
  COALESCE(j.node, concat('~', j.point)) AS node_key,
  CASE
    WHEN j.kind = 'veth' AND j.pod_end = 'src' THEN 0 - j.pod_side
    WHEN j.kind = 'veth' AND j.pod_end = 'dst' THEN 7 + j.pod_side
    -- Neither from nor to the pod's address (link-scope chatter flooded to it): out on the sender node, else in.
    WHEN j.kind = 'veth' AND j.pod_ip IS NOT NULL AND COALESCE(j.node, concat('~', j.point)) = s.sender THEN 0 - j.pod_side
    WHEN j.kind = 'veth' AND j.pod_ip IS NOT NULL THEN 7 + j.pod_side
    WHEN COALESCE(j.node, concat('~', j.point)) = s.sender THEN
      CASE j.kind WHEN 'veth' THEN 0 WHEN 'loopback' THEN 0 WHEN 'bridge' THEN 1 WHEN 'vtep' THEN 2 WHEN 'tun' THEN 2
        WHEN 'underlay' THEN 3 ELSE 1.5 END
    ELSE
      CASE j.kind WHEN 'underlay' THEN 4 WHEN 'vtep' THEN 5 WHEN 'tun' THEN 5 WHEN 'bridge' THEN 6 WHEN 'veth' THEN 7
        WHEN 'loopback' THEN 7 ELSE 5.5 END
  END AS iface_rank
FROM sql_journey_rows j JOIN sql_sender s ON s.jkey = j.jkey
-- Ascending, the running minimum is the node's first sighting.
WINDOW wn AS (PARTITION BY j.jkey, COALESCE(j.node, concat('~', j.point)) ORDER BY j.corrected, j.capture, j.idx);

-- Timestamps that cannot order two sightings on one node: a capture whose every timestamp is a
-- whole microsecond (grain_ns 1000) rounds down, so a sighting less than its grain after another
-- may have come first. Such sightings form a cluster, ordered by where the interface sits rather
-- than by time: hops.ts hopOrder's reordering, where a sighting moves before each earlier one of
-- higher rank whose grain it is within. A sighting joins the cluster of the one before it when it
-- is within that one's grain, or within the grain of any earlier one and the one before it does not
-- stop it (a rank no higher than its own: a microsecond stamp inside the pod covers the bridge and
-- the host's veth stamped after it; a veth stamped between does not let a bridge through).
CREATE OR REPLACE TEMPORARY VIEW sql_clustered AS
SELECT r.*,
  SUM(new_cluster) OVER (PARTITION BY jkey, node_key ORDER BY corrected, capture, idx ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cluster
FROM (
  SELECT r.*,
    CASE
      WHEN corrected - LAG(corrected) OVER wc < LAG(grain_ns) OVER wc THEN 0
      WHEN LAG(iface_rank) OVER wc <= iface_rank AND corrected < MAX(corrected + grain_ns) OVER (PARTITION BY jkey, node_key
        ORDER BY corrected, capture, idx ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0
      ELSE 1
    END AS new_cluster
  FROM sql_ranked r
  WINDOW wc AS (PARTITION BY jkey, node_key ORDER BY corrected, capture, idx)
) r;

-- The hop index, and (in the same order, so in the same sort) what the previous hop looked like.
CREATE OR REPLACE TEMPORARY VIEW sql_ordered AS
SELECT r.*,
  ROW_NUMBER() OVER w - 1 AS hop,
  COUNT(*) OVER (PARTITION BY jkey) AS hop_count,
  LAG(corrected) OVER w AS prev_corrected, LAG(node) OVER w AS prev_node, LAG(inner_ttl) OVER w AS prev_ttl,
  LAG(inner_ver) OVER w AS prev_ver, LAG(inner_src) OVER w AS prev_src, LAG(inner_dst) OVER w AS prev_dst,
  LAG(sport) OVER w AS prev_sport, LAG(dport) OVER w AS prev_dport, LAG(frag_off) OVER w AS prev_frag,
  LAG(grain_ns) OVER w AS prev_grain
FROM sql_clustered r
WINDOW w AS (PARTITION BY jkey ORDER BY node_rank, node_key, cluster, iface_rank, corrected, inner_ttl DESC, capture, idx);

-- 7. Per hop: latency from the previous hop (corrected; on two clocks a negative one is not
-- given), TTL change and NAT (hops.ts natBetween: addresses or ports that changed).
CREATE OR REPLACE TEMPORARY VIEW sql_hops AS
SELECT o.jkey, o.hop, o.hop_count, o.capture, o.idx, o.point, o.node, o.kind, o.t_ns, o.corrected,
  o.inner_ver, o.inner_src, o.inner_dst, o.sport, o.dport, o.inner_proto, o.tunnel,
  CASE
    WHEN o.hop = 0 THEN NULL
    -- One clock: exact, but never negative where a microsecond timestamp cannot order the two.
    WHEN o.prev_node IS NOT NULL AND o.prev_node = o.node THEN
      CASE WHEN (o.grain_ns = 1 AND o.prev_grain = 1) OR o.corrected - o.prev_corrected >= o.prev_grain THEN o.corrected - o.prev_corrected
        ELSE GREATEST(0, o.corrected - o.prev_corrected) END
    WHEN o.corrected - o.prev_corrected < 0 THEN NULL
    ELSE o.corrected - o.prev_corrected
  END AS latency_ns,
  CASE WHEN o.hop = 0 THEN NULL ELSE CAST(o.inner_ttl AS INTEGER) - CAST(o.prev_ttl AS INTEGER) END AS ttl_delta,
  CASE
    WHEN o.hop = 0 OR o.inner_ver <> o.prev_ver THEN NULL
    WHEN (o.inner_dst <> o.prev_dst OR (o.frag_off = 0 AND o.prev_frag = 0 AND o.dport IS DISTINCT FROM o.prev_dport))
     AND (o.inner_src <> o.prev_src OR (o.frag_off = 0 AND o.prev_frag = 0 AND o.inner_proto <> 1 AND o.sport IS DISTINCT FROM o.prev_sport)) THEN 'dnat+snat'
    WHEN o.inner_dst <> o.prev_dst OR (o.frag_off = 0 AND o.prev_frag = 0 AND o.dport IS DISTINCT FROM o.prev_dport) THEN 'dnat'
    WHEN o.inner_src <> o.prev_src OR (o.frag_off = 0 AND o.prev_frag = 0 AND o.inner_proto <> 1 AND o.sport IS DISTINCT FROM o.prev_sport) THEN 'snat'
    ELSE NULL
  END AS nat
FROM sql_ordered o;

-- 8. ICMP errors that quote a journey (verdict.ts quotingErrors): the error's first sighting in
-- hop order carries the quoted addresses, protocol, IPv4 ID, ports (or echo id/seq) and TCP
-- sequence; the journey quoted is the latest one whose first sighting is at most 5 s before the
-- error (and not more than 1 ms after it).
CREATE OR REPLACE TEMPORARY VIEW sql_error_rows AS
SELECT o.jkey, o.hop, o.corrected, o.capture, o.idx, o.point, o.node, o.set_cluster, o.inner_ver, o.inner_src,
  p.icmp_type, p.icmp_code, p.q_src, p.q_dst, p.q_proto, p.q_id, p.q_sport, p.q_dport, p.q_seq
FROM sql_ordered o JOIN packets p ON p.capture = o.capture AND p.idx = o.idx
WHERE o.inner_proto IN (1, 58) AND p.q_src IS NOT NULL;

CREATE OR REPLACE TEMPORARY VIEW sql_quote_keys AS
SELECT o.jkey, o.hop, o.corrected,
  concat_ws('|', CAST(o.set_cluster AS STRING), CAST(o.inner_ver AS STRING), o.inner_src, o.inner_dst, CAST(o.inner_proto AS STRING),
    CAST(CASE WHEN o.inner_ver = 4 THEN p.ip_id % 65536 ELSE -1 END AS STRING),
    CAST(CASE WHEN o.frag_off <> 0 THEN -1
      WHEN o.inner_proto IN (6, 17, 132) THEN COALESCE(o.sport, -1)
      WHEN (o.inner_proto = 1 AND p.icmp_type = 8) OR (o.inner_proto = 58 AND p.icmp_type = 128) THEN COALESCE(p.icmp_id, -1)
      ELSE -1 END AS STRING),
    CAST(CASE WHEN o.frag_off <> 0 THEN -1
      WHEN o.inner_proto IN (6, 17, 132) THEN COALESCE(o.dport, -1)
      WHEN (o.inner_proto = 1 AND p.icmp_type = 8) OR (o.inner_proto = 58 AND p.icmp_type = 128) THEN COALESCE(p.icmp_seq, -1)
      ELSE -1 END AS STRING),
    CAST(CASE WHEN o.frag_off = 0 AND o.inner_proto = 6 THEN p.tcp_seq ELSE -1 END AS STRING)) AS qkey
FROM sql_ordered o JOIN packets p ON p.capture = o.capture AND p.idx = o.idx
WHERE o.inner_dst IN (SELECT q_dst FROM sql_error_rows);

CREATE OR REPLACE TEMPORARY VIEW sql_errors AS
SELECT e.jkey AS error_jkey, e.capture AS error_capture, e.idx AS error_idx, e.point AS error_point,
  e.node AS error_node, e.inner_src AS error_from, e.inner_ver, e.icmp_type, e.icmp_code, e.corrected AS error_corrected,
  ej.corrected AS error_first,
  concat_ws('|', CAST(e.set_cluster AS STRING), CAST(e.inner_ver AS STRING), e.q_src, e.q_dst, CAST(e.q_proto AS STRING), CAST(COALESCE(e.q_id, -1) AS STRING),
    CAST(COALESCE(e.q_sport, -1) AS STRING), CAST(COALESCE(e.q_dport, -1) AS STRING), CAST(COALESCE(e.q_seq, -1) AS STRING)) AS qkey
FROM sql_error_rows e JOIN sql_ordered ej ON ej.jkey = e.jkey AND ej.hop = 0
WHERE e.hop = 0;

-- A refusal (port / protocol unreachable) is the destination's only when it comes from the packet's
-- destination (first or last seen): from anyone else (a node's REJECT policy) it is an ICMP error.
CREATE OR REPLACE TEMPORARY VIEW sql_icmp_quotes AS
SELECT x.jkey, x.error_capture, x.error_idx, x.error_point, x.error_node, x.error_from, x.icmp_type, x.icmp_code,
  CASE WHEN ((x.inner_ver = 4 AND x.icmp_type = 3 AND x.icmp_code IN (2, 3)) OR (x.inner_ver = 6 AND x.icmp_type = 1 AND x.icmp_code = 4))
    AND x.error_from IN (qf.inner_dst, ql.inner_dst)
    THEN 'refused' ELSE 'icmp-error' END AS verdict
FROM (
  SELECT c.*, ROW_NUMBER() OVER (PARTITION BY error_jkey ORDER BY quoted_at DESC, jkey) AS rn
  FROM (
    SELECT DISTINCT q.jkey, h.corrected AS quoted_at, e.*
    FROM sql_errors e
    JOIN sql_quote_keys q ON q.qkey = e.qkey
    JOIN sql_ordered h ON h.jkey = q.jkey AND h.hop = 0
    WHERE h.corrected <= e.error_first + 1000000 AND e.error_first - h.corrected <= 5000000000
  ) c
) x
JOIN sql_ordered qf ON qf.jkey = x.jkey AND qf.hop = 0
JOIN sql_ordered ql ON ql.jkey = x.jkey AND ql.hop = ql.hop_count - 1
WHERE x.rn = 1;

-- 9. One row per journey: where it was first and last seen (the drop location when it went no
-- further), hop count, NAT hops, and the ICMP error that quotes it when one does.
CREATE OR REPLACE TEMPORARY VIEW sql_journeys AS
SELECT f.jkey, f.capture AS first_capture, f.idx AS first_idx, f.point AS first_point, f.node AS first_node,
  l.capture AS last_capture, l.idx AS last_idx, l.point AS last_point, l.node AS last_node,
  f.hop_count AS hops, l.corrected - f.corrected AS total_latency_ns,
  n.nat_hops,
  q.verdict, q.error_capture, q.error_idx, q.error_from, q.icmp_type, q.icmp_code
FROM sql_hops f
JOIN sql_hops l ON l.jkey = f.jkey AND l.hop = f.hop_count - 1
JOIN (SELECT jkey, SUM(CASE WHEN nat IS NULL THEN 0 ELSE 1 END) AS nat_hops FROM sql_hops GROUP BY jkey) n ON n.jkey = f.jkey
LEFT JOIN sql_icmp_quotes q ON q.jkey = f.jkey
WHERE f.hop = 0;
