// The UI's logic modules, in node: virtual scrolling arithmetic, formatting, hex lines, filter
// history, the graph's deterministic layout and the detail pane's byte-to-field mapping.
import { describe, expect, it } from 'vitest';
import type { FieldView, GraphElementView, LevelView } from '../../common/contract';
import { ancestorsOf, fieldAtByte } from '../../renderer/logic/detail';
import { formatAbsolute, formatDuration, formatOffset, formatTime, hexLines } from '../../renderer/logic/format';
import cytoscape from 'cytoscape';
import {
  applyElements,
  BOX_PADDING,
  BOX_TITLE,
  boxesCrossed,
  drawnLabel,
  graphStyle,
  hoverText,
  LIGHT,
  linkText,
  notedMarks,
  searchGraph,
  sharedTunnelLabels,
  shownElements,
  tunnelText,
} from '../../renderer/logic/graph';
import { balancedRows, GraphLayout, leafSize, type Position } from '../../renderer/logic/graph-layout';
import { clampRoom, DEFAULT_ROOM, loadRoom, saveRoom } from '../../renderer/logic/graph-room';
import { HISTORY_MAX, loadHistory, pushHistory, saveHistory } from '../../renderer/logic/history';
import { MAX_SCROLL_HEIGHT, pagesFor, scrollToRow, viewport } from '../../renderer/logic/virtual';

describe('virtual scrolling', () => {
  it('renders only the rows in view, with overscan', () => {
    const v = viewport(1000, 22, 22 * 100, 440, 8);
    expect(v.first).toBe(92);
    expect(v.count).toBe(21 + 16);
    expect(v.top).toBe(92 * 22);
    expect(v.contentHeight).toBe(22_000);
  });

  it('stays within bounds at both ends and for empty lists', () => {
    expect(viewport(0, 22, 0, 400)).toMatchObject({ first: 0, count: 0, contentHeight: 0 });
    const end = viewport(50, 22, 10_000, 400, 4);
    expect(end.first + end.count).toBe(50);
    expect(viewport(50, 22, 0, 400, 4).first).toBe(0);
  });

  it('maps a million rows (and more) onto a scroll area browsers can hold', () => {
    for (const total of [1_000_000, 5_000_000]) {
      const h = 600;
      const full = viewport(total, 22, 0, h, 0);
      expect(full.contentHeight).toBeLessThanOrEqual(MAX_SCROLL_HEIGHT);
      expect(full.first).toBe(0);
      const bottom = viewport(total, 22, full.contentHeight - h, h, 0);
      expect(bottom.first + bottom.count).toBe(total);
      const middle = viewport(total, 22, (full.contentHeight - h) / 2, h, 0);
      expect(Math.abs(middle.first - total / 2)).toBeLessThan(total * 0.001);
      // every row is reachable: scrolling to a row brings it on screen
      for (const row of [0, 1, 12345, total / 2, total - 1]) {
        const to = scrollToRow(row, total, 22, 0, h) ?? 0;
        const v = viewport(total, 22, to, h, 0);
        expect(row >= v.first && row < v.first + v.count, `row ${row}`).toBe(true);
      }
    }
  });

  it('scrolls minimally to reveal a row', () => {
    expect(scrollToRow(5, 100, 20, 0, 200)).toBeNull();
    expect(scrollToRow(50, 100, 20, 0, 200)).toBe(51 * 20 - 200);
    expect(scrollToRow(2, 100, 20, 400, 200)).toBe(40);
  });

  it('asks for the pages covering the rows', () => {
    expect(pagesFor(190, 30, 200)).toEqual([0, 1]);
    expect(pagesFor(0, 0, 200)).toEqual([]);
    expect(pagesFor(400, 200, 200)).toEqual([2]);
  });
});

describe('formatting', () => {
  it('shows time of day with nanoseconds, relative and delta seconds', () => {
    expect(formatAbsolute(1700000000, 5)).toBe('22:13:20.000000005');
    const row = { tsSec: 100, tsNsec: 500_000_000, time: 100.5 };
    expect(formatTime('relative', row, 100, null)).toBe('0.500000');
    expect(formatTime('delta', row, 100, 100.25)).toBe('0.250000');
    expect(formatTime('delta', row, 100, null)).toBe('0.000000');
  });
  it('shows a packet whose capture recorded no timestamp with no time, in every mode', () => {
    const row = { tsSec: 0, tsNsec: 0, time: 0, noTime: true };
    for (const mode of ['absolute', 'relative', 'delta'] as const) expect(formatTime(mode, row, 100, 99)).toBe('— (no timestamp)');
  });

  it('prints latencies in readable units', () => {
    expect(formatDuration(0.0000412)).toBe('41.2 µs');
    expect(formatOffset(-2e9)).toBe('-2.000 s');
    expect(formatOffset(442)).toBe('+442 ns');
    expect(formatDuration(0.0123)).toBe('12.300 ms');
    expect(formatDuration(2)).toBe('2.000 s');
    expect(formatDuration(null)).toBe('');
  });

  it('makes hex and ASCII lines of 16 bytes, dots for the unprintable', () => {
    const lines = hexLines(new Uint8Array([0x48, 0x69, 0x00, 0x7f, ...new Array(14).fill(0x41)]));
    expect(lines).toHaveLength(2);
    expect(lines[0].hex.slice(0, 4)).toEqual(['48', '69', '00', '7f']);
    expect(lines[0].ascii.slice(0, 4).join('')).toBe('Hi..');
    expect(lines[1]).toMatchObject({ offset: 16, hex: ['41', '41'] });
  });
});

describe('filter history', () => {
  it('keeps the most recent first, without duplicates, bounded', () => {
    let h: string[] = [];
    for (let i = 0; i < HISTORY_MAX + 5; i++) h = pushHistory(h, `tcp.port == ${i}`);
    h = pushHistory(h, 'tcp.port == 10');
    expect(h[0]).toBe('tcp.port == 10');
    expect(h.filter((x) => x === 'tcp.port == 10')).toHaveLength(1);
    expect(h).toHaveLength(HISTORY_MAX);
    expect(pushHistory(h, '   ')).toEqual(h);
  });

  it('survives broken storage', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    saveHistory(storage, ['a', 'b']);
    expect(loadHistory(storage)).toEqual(['a', 'b']);
    store.set('tunnelvision.filterHistory', '{not json');
    expect(loadHistory(storage)).toEqual([]);
    store.set('tunnelvision.filterHistory', '[1, "x", null]');
    expect(loadHistory(storage)).toEqual(['x']);
    expect(loadHistory(null)).toEqual([]);
  });
});

describe('graph layout', () => {
  const n = (id: string, kind: string, parent?: string, label = id): GraphElementView => ({
    group: 'nodes',
    data: { id, label, kind, parent, packets: 0, weight: 1 },
  });
  const e = (s: string, t: string, kind = 'link'): GraphElementView => ({
    group: 'edges',
    data: { id: `e:${s}|${t}`, source: s, target: t, label: '', kind, packets: 3, weight: 1 },
  });
  const els = [
    n('node:b', 'k8s-node'),
    n('node:a', 'k8s-node'),
    n('pod:10.0.0.2', 'pod', 'node:a', 'client-a 10.0.0.2'),
    n('pod:10.0.0.3', 'pod', 'node:a'),
    n('pod:10.0.0.4', 'pod', 'node:a'),
    n('veth:a/v2', 'veth', 'node:a'),
    n('veth:a/v3', 'veth', 'node:a'),
    n('bridge:a/cni0', 'bridge', 'node:a'),
    n('tun:a', 'tunnel', 'node:a'),
    n('nic:a', 'nic', 'node:a'),
    n('pod:10.0.1.2', 'pod', 'node:b'),
    n('bridge:b/cni0', 'bridge', 'node:b'),
    n('nic:b', 'nic', 'node:b'),
    n('svc:x', 'service'),
    e('pod:10.0.0.3', 'veth:a/v3'),
    e('pod:10.0.0.2', 'veth:a/v2'),
    e('veth:a/v2', 'bridge:a/cni0'),
    e('veth:a/v3', 'bridge:a/cni0'),
    e('pod:10.0.0.4', 'bridge:a/cni0'),
    e('bridge:a/cni0', 'tun:a'),
    e('tun:a', 'nic:a'),
    e('pod:10.0.1.2', 'bridge:b/cni0'),
    e('bridge:b/cni0', 'nic:b'),
    e('nic:a', 'nic:b', 'underlay'),
    e('svc:x', 'pod:10.0.1.2', 'service-link'),
  ];
  /** Each node box as the stylesheet draws it: its devices' shapes and labels, plus padding. */
  const boxes = (pos: Map<string, Position>, list = els) =>
    list
      .filter((x) => x.data.kind === 'k8s-node')
      .map((b) => {
        const kids = list.filter((x) => x.data.parent === b.data.id);
        const r = kids.map((k) => {
          const s = leafSize(k.data.kind, k.data.label);
          const p = pos.get(k.data.id)!;
          return {
            x1: p.x - s.width / 2,
            x2: p.x + s.width / 2,
            y1: p.y - s.shapeHeight / 2,
            y2: p.y - s.shapeHeight / 2 + s.height,
          };
        });
        return {
          id: b.data.id,
          x1: Math.min(...r.map((q) => q.x1)) - BOX_PADDING,
          x2: Math.max(...r.map((q) => q.x2)) + BOX_PADDING,
          y1: Math.min(...r.map((q) => q.y1)) - BOX_PADDING - BOX_TITLE,
          y2: Math.max(...r.map((q) => q.y2)) + BOX_PADDING,
        };
      });

  it('stacks pod, veth, bridge, tunnel, NIC inside each node, boxes apart, services above', async () => {
    const { positions: pos } = await new GraphLayout().layout(els);
    const y = (id: string) => pos.get(id)!.y;
    const x = (id: string) => pos.get(id)!.x;
    expect(y('pod:10.0.0.2')).toBeLessThan(y('veth:a/v2'));
    expect(y('pod:10.0.0.4')).toBe(y('pod:10.0.0.2'));
    expect(y('veth:a/v2')).toBeLessThan(y('bridge:a/cni0'));
    expect(y('bridge:a/cni0')).toBeLessThan(y('tun:a'));
    expect(y('tun:a')).toBeLessThan(y('nic:a'));
    // Each veth under its own pod, not under the other one.
    expect(Math.abs(x('veth:a/v3') - x('pod:10.0.0.3'))).toBeLessThan(Math.abs(x('veth:a/v3') - x('pod:10.0.0.2')));
    expect(Math.abs(x('veth:a/v2') - x('pod:10.0.0.2'))).toBeLessThan(Math.abs(x('veth:a/v2') - x('pod:10.0.0.3')));
    expect(y('svc:x')).toBeLessThan(Math.min(y('pod:10.0.0.2'), y('pod:10.0.1.2')) - 40);
    expect(pos.has('node:a')).toBe(false);
    // Boxes in the order of their ids, whatever their sizes.
    expect(x('nic:a')).toBeLessThan(x('nic:b'));
    const [a, b] = boxes(pos);
    expect(a.x2 < b.x1 || b.x2 < a.x1 || a.y2 < b.y1 || b.y2 < a.y1, `${JSON.stringify(a)} overlaps ${JSON.stringify(b)}`).toBe(true);
  });

  it("arranges the node boxes to the pane's shape: one row in a wide pane, wrapped in a tall one", async () => {
    const three: GraphElementView[] = [];
    for (const id of ['a', 'b', 'c'])
      three.push(
        n(`node:${id}`, 'k8s-node'),
        n(`pod:${id}`, 'pod', `node:${id}`, `pod-${id} 10.0.0.1`),
        n(`nic:${id}`, 'nic', `node:${id}`),
        e(`pod:${id}`, `nic:${id}`),
      );
    const layout = new GraphLayout();
    const wide = (await layout.layout(three, { width: 1400, height: 500 })).positions;
    expect(new Set(['a', 'b', 'c'].map((id) => wide.get(`nic:${id}`)!.y)).size).toBe(1);
    const tall = (await layout.layout(three, { width: 300, height: 1400 })).positions;
    expect(new Set(['a', 'b', 'c'].map((id) => tall.get(`nic:${id}`)!.y)).size).toBe(3);
    const bs = boxes(tall, three);
    for (const p of bs) for (const q of bs) if (p !== q) expect(p.y2 < q.y1 || q.y2 < p.y1, `${p.id} overlaps ${q.id}`).toBe(true);
  });

  it('wraps six boxes into rows of three in a landscape pane, not five and one, the widest row as narrow as it can be', async () => {
    const six: GraphElementView[] = [];
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const id of ids)
      six.push(
        n(`node:${id}`, 'k8s-node'),
        n(`pod:${id}1`, 'pod', `node:${id}`, `pod-${id}1 10.0.0.1`),
        n(`pod:${id}2`, 'pod', `node:${id}`, `pod-${id}2 10.0.0.2`),
        n(`nic:${id}`, 'nic', `node:${id}`, `eth0 172.16.0.${id.charCodeAt(0)}`),
        e(`pod:${id}1`, `nic:${id}`),
        e(`pod:${id}2`, `nic:${id}`),
      );
    for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) six.push(e(`nic:${ids[i]}`, `nic:${ids[j]}`, 'underlay'));
    // The graph pane of a 1600x1000 window.
    const r = await new GraphLayout().layout(six, { width: 767, height: 577 });
    const rows = new Map<number, string[]>();
    for (const id of ids) {
      const y = Math.round(r.positions.get(`nic:${id}`)!.y);
      rows.set(y, [...(rows.get(y) ?? []), id]);
    }
    expect([...rows.values()]).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e', 'f'],
    ]);
    // Every tunnel drawn: a curve, or routed along the rooms under the rows, and never both.
    for (const t of six.filter((x) => x.data.kind === 'underlay'))
      expect(r.bends.has(t.data.id) !== r.tunnelRoutes.has(t.data.id)).toBe(true);
    expect(r.tunnelRoutes.size).toBeGreaterThan(0);
    // A routed tunnel's legs between its NICs cross no node box (boxes from the layout: see boxes()).
    const rects = boxes(r.positions, six);
    for (const [id, corners] of r.tunnelRoutes)
      for (let k = 1; k < corners.length; k++) {
        const [a, b] = [corners[k - 1], corners[k]];
        for (const box of rects) {
          const inside = (t: number) => {
            const x = a.x + (b.x - a.x) * t;
            const y = a.y + (b.y - a.y) * t;
            return x > box.x1 && x < box.x2 && y > box.y1 && y < box.y2;
          };
          expect([0.25, 0.5, 0.75].some(inside), `${id} through ${box.id}`).toBe(false);
        }
      }
    // Widths split where the widest row is narrowest (gaps of 24 px between boxes).
    const w = (xs: number[]) => xs.map((x) => ({ w: x }));
    expect(balancedRows(w([178, 118, 446, 308, 442, 227]), 2).map((row) => row.length)).toEqual([3, 3]);
    expect(balancedRows(w([100, 100, 100, 100, 100]), 2).map((row) => row.length)).toEqual([3, 2]);
    expect(balancedRows(w([500, 50, 50, 50]), 2).map((row) => row.length)).toEqual([1, 3]);
    expect(balancedRows(w([1, 2, 3]), 5)).toHaveLength(3);
  });

  it('draws a tunnel label many tunnels share once (in the legend), a label of its own on its tunnel', () => {
    const t = (id: string, label: string) => ({ data: { id, kind: 'underlay', label } });
    const shared = sharedTunnelLabels([
      t('1', 'VXLAN VNI 1 UDP 8472'),
      t('2', 'VXLAN VNI 1 UDP 8472'),
      t('3', 'VXLAN VNI 1 UDP 8472'),
      t('4', 'Geneve VNI 7 UDP 6081'),
      { data: { id: 'x', kind: 'link', label: 'VXLAN VNI 1 UDP 8472' } },
    ]);
    expect([...shared]).toEqual([['VXLAN VNI 1 UDP 8472', 3]]);
    expect(tunnelText('VXLAN VNI 1 UDP 8472', shared)).toBe('');
    expect(tunnelText('Geneve VNI 7 UDP 6081', shared)).toBe('Geneve VNI 7 UDP 6081');
    // Applied to Cytoscape: the shared label is not drawn, but kept for hover, selection and notes.
    const cy = cytoscape({ headless: true, styleEnabled: true, style: graphStyle(LIGHT) as never });
    const els: GraphElementView[] = [
      n('nic:a', 'nic'),
      n('nic:b', 'nic'),
      n('nic:c', 'nic'),
      { ...e('nic:a', 'nic:b', 'underlay'), data: { ...e('nic:a', 'nic:b', 'underlay').data, label: 'VXLAN VNI 1 UDP 8472' } },
      { ...e('nic:a', 'nic:c', 'underlay'), data: { ...e('nic:a', 'nic:c', 'underlay').data, label: 'VXLAN VNI 1 UDP 8472' } },
      { ...e('nic:b', 'nic:c', 'underlay'), data: { ...e('nic:b', 'nic:c', 'underlay').data, label: 'IPIP' } },
    ];
    applyElements(cy, els);
    const label = (id: string) =>
      (cy.getElementById(id) as unknown as { pstyle(p: string): { strValue: string } }).pstyle('label').strValue;
    expect(label('e:nic:a|nic:b')).toBe('');
    expect(label('e:nic:b|nic:c')).toBe('IPIP');
    cy.getElementById('e:nic:a|nic:b').addClass('hover');
    expect(label('e:nic:a|nic:b')).toBe('VXLAN VNI 1 UDP 8472');
    cy.getElementById('e:nic:a|nic:c').select();
    expect(label('e:nic:a|nic:c')).toBe('VXLAN VNI 1 UDP 8472');
    cy.destroy();
  });

  it('breaks long names (capture files, veths) where the layout reserved room for them', () => {
    expect(drawnLabel('gke-prod-default-6bcc1071-xcrm-backend.pcap')).toBe(
      'gke-\u200bprod-\u200bdefault-\u200b6bcc1071-\u200bxcrm-\u200bbackend.\u200bpcap',
    );
    expect(drawnLabel('cni0 10.244.0.1')).toBe('cni0 10.244.0.1');
    // Two lines of room for it: its box is tall enough for what is drawn.
    expect(leafSize('veth', 'gke-prod-default-6bcc1071-xcrm-backend.pcap').height).toBeGreaterThan(leafSize('veth', 'veth0').height + 20);
  });

  it('stands each service over the backends it links to, apart from the others, its label on its link', async () => {
    const link = (s: string, t: string, label: string): GraphElementView => ({
      group: 'edges',
      data: { id: `e:${s}|${t}`, source: s, target: t, label, kind: 'service-link', packets: 0, weight: 1 },
    });
    const list: GraphElementView[] = [];
    for (const id of ['a', 'b', 'c'])
      list.push(
        n(`node:${id}`, 'k8s-node'),
        n(`pod:${id}1`, 'pod', `node:${id}`, `10.0.${id.charCodeAt(0)}.1`),
        n(`pod:${id}2`, 'pod', `node:${id}`, `10.0.${id.charCodeAt(0)}.2`),
        n(`nic:${id}`, 'nic', `node:${id}`),
        e(`pod:${id}1`, `nic:${id}`),
        e(`pod:${id}2`, `nic:${id}`),
      );
    // In id order the services would stand a, b, c from the left; their backends are in c, a, b.
    list.push(
      n('svc:1', 'service', undefined, 'TCP 10.96.0.1:80'),
      n('svc:2', 'service', undefined, 'TCP 10.96.0.2:80'),
      n('svc:3', 'service', undefined, 'TCP 10.96.0.3:80'),
      link('svc:1', 'pod:c1', '10.0.99.1:8080'),
      link('svc:1', 'pod:c2', '10.0.99.2:8080'),
      link('svc:2', 'pod:a1', '10.0.97.1:53'),
      link('svc:3', 'pod:b2', '10.0.98.2:9090'),
    );
    const { positions: pos, linkLabels } = await new GraphLayout().layout(list, { width: 1400, height: 600 });
    const x = (id: string) => pos.get(id)!.x;
    expect(x('svc:2')).toBeLessThan(x('svc:3'));
    expect(x('svc:3')).toBeLessThan(x('svc:1'));
    // Over its backends: as near their middle as the row's edge lets it be (half its width at most).
    const half = leafSize('service', 'TCP 10.96.0.1:80').width / 2;
    expect(Math.abs(x('svc:2') - x('pod:a1'))).toBeLessThanOrEqual(half);
    expect(Math.abs(x('svc:3') - x('pod:b2'))).toBeLessThanOrEqual(half);
    expect(Math.abs(x('svc:1') - (x('pod:c1') + x('pod:c2')) / 2)).toBeLessThanOrEqual(half);
    // Each label on its own link, between its two ends.
    expect([...linkLabels.keys()].sort()).toEqual(
      list
        .filter((l) => l.data.kind === 'service-link')
        .map((l) => l.data.id)
        .sort(),
    );
    for (const [id, at] of linkLabels) {
      const l = list.find((x) => x.data.id === id)!;
      const [p, q] = [pos.get(l.data.source!)!, pos.get(l.data.target!)!];
      expect(at.y).toBeGreaterThan(Math.min(p.y, q.y));
      expect(at.y).toBeLessThan(Math.max(p.y, q.y));
      const t = (at.y - p.y) / (q.y - p.y);
      expect(Math.abs(p.x + (q.x - p.x) * t - at.x)).toBeLessThan(0.5);
    }
    expect(linkText('10.0.99.1:8080')).toBe(':8080');
    expect(linkText('[fd00::1]:53')).toBe(':53');
    expect(linkText('10.0.99.1')).toBe('');
  });

  it('stands each service over the row of its backends, and routes a link to a row further down through a gap', async () => {
    const link = (s: string, t: string): GraphElementView => ({
      group: 'edges',
      data: { id: `e:${s}|${t}`, source: s, target: t, label: `${t}:80`, kind: 'service-link', packets: 0, weight: 1 },
    });
    const list: GraphElementView[] = [];
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const id of ids)
      list.push(
        n(`node:${id}`, 'k8s-node'),
        ...[1, 2, 3].map((k) => n(`pod:${id}${k}`, 'pod', `node:${id}`, `pod-${id}-${k} 10.0.0.${k}`)),
        n(`nic:${id}`, 'nic', `node:${id}`),
        ...[1, 2, 3].map((k) => e(`pod:${id}${k}`, `nic:${id}`)),
      );
    // One service backed in the last box only; one backed in the first and the last box.
    list.push(n('svc:low', 'service', undefined, 'TCP 10.96.0.1:80'), link('svc:low', 'pod:f2'));
    list.push(n('svc:span', 'service', undefined, 'TCP 10.96.0.2:80'), link('svc:span', 'pod:a1'), link('svc:span', 'pod:f2'));
    // A narrow pane: the six boxes wrap into rows.
    const r = await new GraphLayout().layout(list, { width: 700, height: 1400 });
    const bs = boxes(r.positions, list);
    const box = (id: string) => bs.find((b) => b.id === id)!;
    expect(box('node:f').y1, 'boxes in more than one row').toBeGreaterThan(box('node:a').y2);
    // The service of the last row stands in the room right above that row, under the rows above it.
    const low = r.positions.get('svc:low')!;
    expect(low.y).toBeLessThan(box('node:f').y1);
    expect(low.y).toBeGreaterThan(Math.max(...bs.filter((b) => b.y2 < box('node:f').y1).map((b) => b.y2)));
    // The spanning service's links: straight ones and routed ones, none through a box not its end's.
    const through = (from: Position, corners: readonly Position[], to: Position, own: string) => {
      const pts = [from, ...corners, to];
      return bs
        .filter((b) => b.id !== own)
        .filter((b) =>
          pts.slice(1).some((q, i) =>
            Array.from({ length: 199 }, (_, k) => (k + 1) / 200).some((t) => {
              const x = pts[i].x + (q.x - pts[i].x) * t;
              const y = pts[i].y + (q.y - pts[i].y) * t;
              return x > b.x1 && x < b.x2 && y > b.y1 && y < b.y2;
            }),
          ),
        )
        .map((b) => b.id);
    };
    for (const [s, pod, own] of [
      ['svc:low', 'pod:f2', 'node:f'],
      ['svc:span', 'pod:a1', 'node:a'],
      ['svc:span', 'pod:f2', 'node:f'],
    ]) {
      const id = `e:${s}|${pod}`;
      expect(through(r.positions.get(s)!, r.linkRoutes.get(id) ?? [], r.positions.get(pod)!, own), id).toEqual([]);
    }
    expect(r.linkRoutes.has('e:svc:span|pod:f2'), 'the link to the far row routed').toBe(true);
  });

  it('puts the NIC at the bottom of a routed node too, where no bridge joins the veths to it', async () => {
    const list = [
      n('node:r', 'k8s-node'),
      n('pod:1', 'pod', 'node:r', '192.168.101.65'),
      n('pod:2', 'pod', 'node:r', '192.168.101.66'),
      n('veth:r/cali1', 'veth', 'node:r', 'cali1'),
      n('veth:r/cali2', 'veth', 'node:r', 'cali2'),
      n('pod:3', 'pod', 'node:r', '192.168.101.67'),
      n('veth:r/cali3', 'veth', 'node:r', 'cali3'),
      n('nic:r', 'nic', 'node:r', 'eth0 172.18.0.11'),
      e('pod:1', 'veth:r/cali1'),
      e('pod:2', 'veth:r/cali2'),
      e('pod:3', 'veth:r/cali3'),
    ];
    const { positions: pos } = await new GraphLayout().layout(list);
    const y = (id: string) => pos.get(id)!.y;
    // The pods on one row, their veths on the next, the NIC under them all.
    expect(new Set(['pod:1', 'pod:2', 'pod:3'].map(y)).size).toBe(1);
    expect(new Set(['veth:r/cali1', 'veth:r/cali2', 'veth:r/cali3'].map(y)).size).toBe(1);
    expect(y('veth:r/cali1')).toBeGreaterThan(y('pod:1'));
    expect(y('nic:r')).toBeGreaterThan(y('veth:r/cali1'));
    // With a tunnel device (a routed cluster's VXLAN): between the veths and the NIC.
    const tunnelled = [...list, n('tun:r', 'tunnel', 'node:r', 'vxlan.calico'), e('tun:r', 'nic:r')];
    const t = (await new GraphLayout().layout(tunnelled)).positions;
    expect(t.get('tun:r')!.y).toBeGreaterThan(t.get('veth:r/cali1')!.y);
    expect(t.get('nic:r')!.y).toBeGreaterThan(t.get('tun:r')!.y);
  });

  it('never lets boxes overlap, in a cluster of uneven nodes', async () => {
    const list: GraphElementView[] = [];
    for (let i = 0; i < 12; i++) {
      list.push(
        n(`node:n${i}`, 'k8s-node'),
        n(`bridge:${i}`, 'bridge', `node:n${i}`),
        n(`nic:${i}`, 'nic', `node:n${i}`),
        e(`bridge:${i}`, `nic:${i}`),
      );
      for (let p = 0; p < (i * 7) % 9; p++)
        list.push(n(`pod:${i}.${p}`, 'pod', `node:n${i}`, `pod-${i}-${p} 10.${i}.0.${p}`), e(`pod:${i}.${p}`, `bridge:${i}`));
    }
    const { positions } = await new GraphLayout().layout(list);
    const bs = boxes(positions, list);
    for (const p of bs)
      for (const q of bs)
        if (p !== q) expect(p.x2 < q.x1 || q.x2 < p.x1 || p.y2 < q.y1 || q.y2 < p.y1, `${p.id} overlaps ${q.id}`).toBe(true);
  });

  it('is deterministic, and a change lays out only the box it touches', async () => {
    const layout = new GraphLayout();
    const a = await layout.layout(els);
    expect(a.boxesLaidOut).toBe(2);
    const b = await new GraphLayout().layout([...els].reverse());
    expect([...b.positions.entries()].sort()).toEqual([...a.positions.entries()].sort());
    const again = await layout.layout(els);
    expect(again.boxesLaidOut).toBe(0);
    const grown = await layout.layout([...els, n('pod:10.0.1.9', 'pod', 'node:b'), e('pod:10.0.1.9', 'bridge:b/cni0')]);
    expect(grown.boxesLaidOut).toBe(1);
    // Node a's devices keep their places relative to each other.
    const rel = (r: typeof a, id: string) => ({
      x: r.positions.get(id)!.x - r.positions.get('nic:a')!.x,
      y: r.positions.get(id)!.y - r.positions.get('nic:a')!.y,
    });
    for (const id of ['pod:10.0.0.2', 'veth:a/v3', 'bridge:a/cni0']) expect(rel(grown, id)).toEqual(rel(a, id));
  });

  it('collapses a node box to its summary, its edges ending on the box', () => {
    const withFindings = els.map((x) => (x.data.id === 'node:a' ? { ...x, data: { ...x.data, findings: 2 } } : x));
    const shown = shownElements(withFindings, new Set(['node:a']));
    const ids = shown.map((x) => x.data.id);
    expect(ids).not.toContain('pod:10.0.0.2');
    expect(ids).not.toContain('e:tun:a|nic:a');
    const box = shown.find((x) => x.data.id === 'node:a')!;
    expect(box.data.collapsed).toBe(true);
    expect(box.data.label).toBe('node:a\n3 pods · 2 veths\n0 packets · 2 findings');
    const link = shown.find((x) => x.data.id === 'e:nic:a|nic:b')!;
    expect([link.data.source, link.data.target]).toEqual(['node:a', 'nic:b']);
    expect(shownElements(els, new Set())).toBe(els);
    expect([...boxesCrossed(['e:nic:a|nic:b', 'svc:x'], els)].sort()).toEqual(['node:a', 'node:b']);
  });

  it('marks noted elements, or the collapsed box hiding them', () => {
    const noted = ['pod:10.0.0.2', 'e:tun:a|nic:a', 'e:nic:a|nic:b', 'svc:x', 'pod:10.0.1.2', 'gone:1'];
    // Nothing collapsed: each noted element itself (an id not in the graph marks nothing).
    expect([...notedMarks(noted, els, new Set())].sort()).toEqual([
      'e:nic:a|nic:b',
      'e:tun:a|nic:a',
      'pod:10.0.0.2',
      'pod:10.0.1.2',
      'svc:x',
    ]);
    // node:a collapsed: its pod and inner wire mark the box, the tunnel to node:b marks it too; node:b's pod stays marked.
    expect([...notedMarks(noted, els, new Set(['node:a']))].sort()).toEqual(['node:a', 'pod:10.0.1.2', 'svc:x']);
    expect(graphStyle(LIGHT).some((r) => r.selector === 'node.noted')).toBe(true);
  });

  it('moves a pod to its new node box when a correction re-parents it', () => {
    const cy = cytoscape({ headless: true, styleEnabled: false });
    applyElements(cy, els);
    expect(cy.getElementById('pod:10.0.0.4').parent().first().id()).toBe('node:a');
    const corrected = els.map((x) => (x.data.id === 'pod:10.0.0.4' ? { ...x, data: { ...x.data, parent: 'node:b', label: 'moved' } } : x));
    const r = applyElements(cy, corrected);
    expect(r).toEqual({ added: 0, removed: 0, moved: 1 });
    expect(cy.getElementById('pod:10.0.0.4').parent().first().id()).toBe('node:b');
    expect(cy.getElementById('pod:10.0.0.4').data('label')).toBe('moved');
    // Its edge still connects it.
    expect(cy.getElementById('e:pod:10.0.0.4|bridge:a/cni0').source().id()).toBe('pod:10.0.0.4');
    // Collapsing node a: the underlay link moves its end onto the box.
    applyElements(cy, shownElements(corrected, new Set(['node:a'])));
    expect(cy.getElementById('e:nic:a|nic:b').source().id()).toBe('node:a');
    expect(cy.getElementById('pod:10.0.0.2').empty()).toBe(true);
    cy.destroy();
  });

  it('finds pods, nodes and addresses', () => {
    expect(searchGraph(els, '10.0.0.2')[0]).toBe('pod:10.0.0.2');
    expect(searchGraph(els, 'CLIENT-A')).toEqual(['pod:10.0.0.2']);
    expect(searchGraph(els, 'node:b')[0]).toBe('node:b');
    expect(searchGraph(els, 'nothing-like-this')).toEqual([]);
  });

  it('remembers the pane size within the window', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    expect(loadRoom(storage)).toEqual(DEFAULT_ROOM);
    saveRoom(storage, { width: 700, height: 500, expanded: true });
    expect(loadRoom(storage)).toEqual({ width: 700, height: 500, expanded: true });
    store.set('tunnelvision.graphRoom', '{"width":"wide"');
    expect(loadRoom(storage)).toEqual(DEFAULT_ROOM);
    expect(clampRoom({ width: 5000, height: 10, expanded: false }, { width: 1440, height: 900 })).toEqual({
      width: 1020,
      height: 200,
      expanded: false,
    });
  });

  it('styles with classes and data mappers only, and never draws a label below 9 px', () => {
    const style = graphStyle(LIGHT);
    for (const rule of style) for (const v of Object.values(rule.style)) expect(typeof v).not.toBe('function');
    expect(style.some((r) => r.selector === '.path')).toBe(true);
    for (const sel of ['node', 'edge']) expect(style.find((r) => r.selector === sel)!.style['min-zoomed-font-size']).toBe(9);
  });
});

describe('detail pane', () => {
  const f = (name: string, offset: number, length: number, children: FieldView[] = []): FieldView => ({
    name,
    label: name,
    value: '',
    offset,
    length,
    children,
  });
  const levels: LevelView[] = [
    {
      level: 0,
      title: 'Outer',
      layers: [
        {
          proto: 'ip',
          name: 'IPv4',
          summary: '',
          offset: 14,
          length: 20,
          fields: [f('ip.flags', 20, 2, [f('ip.flags.df', 20, 1)]), f('ip.src', 26, 4)],
        },
      ],
    },
    {
      level: 1,
      title: 'Inner',
      layers: [{ proto: 'ip', name: 'IPv4', summary: '', offset: 64, length: 20, fields: [f('ip.src', 76, 4)] }],
    },
  ];
  it('finds the smallest field holding a byte, in any level', () => {
    expect(fieldAtByte(levels, 27)?.field.name).toBe('ip.src');
    expect(fieldAtByte(levels, 27)?.path).toBe('0/0/1');
    expect(fieldAtByte(levels, 20)?.field.name).toBe('ip.flags.df');
    expect(fieldAtByte(levels, 77)?.path).toBe('1/0/0');
    expect(fieldAtByte(levels, 3)).toBeNull();
  });
  it('opens the tree down to a field', () => {
    expect(ancestorsOf('0/0/0.0')).toEqual(['0/0', '0/0/0']);
    expect(ancestorsOf('1/2/3')).toEqual(['1/2']);
  });
});

describe('graph hover', () => {
  it('shows why an element’s facts are unknown at any zoom, and its label only when drawn too small to read', () => {
    const why = 'gateway address unknown: no ARP or IP packet of the gateway in the captures';
    expect(hoverText('kube-bridge', why, 20)).toBe(`kube-bridge\n${why}`);
    expect(hoverText('kube-bridge', why, 4)).toBe(`kube-bridge\n${why}`);
    expect(hoverText('kube-bridge 10.42.1.1', undefined, 20)).toBeNull();
    expect(hoverText('kube-bridge 10.42.1.1', undefined, 4)).toBe('kube-bridge 10.42.1.1');
    expect(hoverText('', undefined, 4)).toBeNull();
  });
});
