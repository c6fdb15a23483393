// The UI's logic modules, in node: virtual scrolling arithmetic, formatting, hex lines, filter
// history, the graph's deterministic layout and the detail pane's byte-to-field mapping.
import { describe, expect, it } from 'vitest';
import type { FieldView, GraphElementView, LevelView } from '../../common/contract';
import { ancestorsOf, fieldAtByte } from '../../renderer/logic/detail';
import { formatAbsolute, formatDuration, formatTime, hexLines } from '../../renderer/logic/format';
import { graphStyle, layoutPositions, LIGHT } from '../../renderer/logic/graph';
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

  it('prints latencies in readable units', () => {
    expect(formatDuration(0.0000412)).toBe('41.2 µs');
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
  const n = (id: string, kind: string, parent?: string): GraphElementView => ({ group: 'nodes', data: { id, label: id, kind, parent, packets: 0, weight: 1 } });
  const e = (s: string, t: string): GraphElementView => ({ group: 'edges', data: { id: `e:${s}|${t}`, source: s, target: t, label: '', kind: 'link', packets: 0, weight: 1 } });
  const els = [
    n('node:b', 'k8s-node'), n('node:a', 'k8s-node'),
    n('pod:10.0.0.2', 'pod', 'node:a'), n('pod:10.0.0.3', 'pod', 'node:a'), n('veth:a/v2', 'veth', 'node:a'), n('veth:a/v3', 'veth', 'node:a'),
    n('bridge:a/cni0', 'bridge', 'node:a'), n('tun:a', 'tunnel', 'node:a'), n('nic:a', 'nic', 'node:a'),
    n('pod:10.0.1.2', 'pod', 'node:b'), n('nic:b', 'nic', 'node:b'), n('svc:x', 'service'),
    e('pod:10.0.0.3', 'veth:a/v3'), e('pod:10.0.0.2', 'veth:a/v2'),
  ];

  it('stacks pod, veth, bridge, tunnel, NIC inside each node, nodes side by side, services above', () => {
    const pos = layoutPositions(els);
    const y = (id: string) => pos.get(id)!.y;
    const x = (id: string) => pos.get(id)!.x;
    expect(y('pod:10.0.0.2')).toBeLessThan(y('veth:a/v2'));
    expect(y('veth:a/v2')).toBeLessThan(y('bridge:a/cni0'));
    expect(y('bridge:a/cni0')).toBeLessThan(y('tun:a'));
    expect(y('tun:a')).toBeLessThan(y('nic:a'));
    expect(x('veth:a/v3')).toBe(x('pod:10.0.0.3'));
    expect(x('nic:b')).toBeGreaterThan(x('nic:a'));
    expect(y('svc:x')).toBeLessThan(y('pod:10.0.0.2'));
    expect(pos.has('node:a')).toBe(false);
  });

  it('is deterministic whatever the element order', () => {
    const a = layoutPositions(els);
    const b = layoutPositions([...els].reverse());
    expect([...b.entries()].sort()).toEqual([...a.entries()].sort());
  });

  it('styles with classes and data mappers only', () => {
    const style = graphStyle(LIGHT);
    for (const rule of style) for (const v of Object.values(rule.style)) expect(typeof v).not.toBe('function');
    expect(style.some((r) => r.selector === '.path')).toBe(true);
  });
});

describe('detail pane', () => {
  const f = (name: string, offset: number, length: number, children: FieldView[] = []): FieldView => ({ name, label: name, value: '', offset, length, children });
  const levels: LevelView[] = [
    { level: 0, title: 'Outer', layers: [{ proto: 'ip', name: 'IPv4', summary: '', offset: 14, length: 20, fields: [f('ip.flags', 20, 2, [f('ip.flags.df', 20, 1)]), f('ip.src', 26, 4)] }] },
    { level: 1, title: 'Inner', layers: [{ proto: 'ip', name: 'IPv4', summary: '', offset: 64, length: 20, fields: [f('ip.src', 76, 4)] }] },
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
