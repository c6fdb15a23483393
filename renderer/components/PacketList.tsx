// The packet list: virtualized (only rows in view are in the DOM; rows come from the backend in
// pages), sortable columns, colour by protocol/encapsulation, keyboard navigation.
import {
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type MouseEvent,
  type ReactElement,
} from 'react';
import { SORTABLE_COLUMNS, type PacketColumn, type PacketPage, type PacketRow } from '../../common/contract';
import { api } from '../api';
import { formatTime, type TimeMode } from '../logic/format';
import { pagesFor, scrollToRow, viewport } from '../logic/virtual';

export const ROW_HEIGHT = 22;
const PAGE = 200;

export interface ListQuery {
  filter: string;
  element: string | null;
  sort: PacketColumn;
  descending: boolean;
}

const COLUMNS: { key: PacketColumn; label: string; className: string }[] = [
  { key: 'no', label: 'No.', className: 'c-no' },
  { key: 'time', label: 'Time', className: 'c-time' },
  { key: 'node', label: 'Node', className: 'c-node' },
  { key: 'iface', label: 'Interface', className: 'c-iface' },
  { key: 'src', label: 'Source', className: 'c-src' },
  { key: 'dst', label: 'Destination', className: 'c-dst' },
  { key: 'protocol', label: 'Protocol', className: 'c-proto' },
  { key: 'length', label: 'Length', className: 'c-len' },
  { key: 'encap', label: 'Encapsulation', className: 'c-encap' },
  { key: 'info', label: 'Info', className: 'c-info' },
];

const RowView = memo(function RowView(p: { index: number; row: PacketRow; top: number; time: string; selected: boolean }) {
  const r = p.row;
  const cells: Record<PacketColumn, string | ReactElement> = {
    no: r.note ? (
      <>
        <span className={`note-mark ${r.note}`} title={`has a note (${r.note})`} data-testid="note-mark" />
        {r.no}
      </>
    ) : (
      String(r.no)
    ),
    time: p.time,
    node: r.node,
    iface: r.iface,
    src: r.src,
    dst: r.dst,
    protocol: r.protocol,
    length: String(r.length),
    encap: r.encap,
    info: r.info,
  };
  return (
    <div
      role="row"
      aria-selected={p.selected}
      data-no={r.no}
      data-index={p.index}
      className={`prow c-${r.color}${p.selected ? ' selected' : ''}`}
      style={{ top: p.top }}
    >
      {COLUMNS.map((c) => (
        <span key={c.key} className={`cell ${c.className}`}>
          {cells[c.key]}
        </span>
      ))}
    </div>
  );
});

export interface PacketListProps {
  query: ListQuery;
  generation: number;
  /** Changes while captures are still being read: the rows in view are fetched again, the scroll position stays. */
  growth: number;
  /** Changes when notes change: the rows in view are fetched again (for their note marks), the scroll position stays. */
  revision: number;
  selected: number | null;
  /** A packet to bring into view and select (set by the graph or the hop table). */
  reveal: { no: number; seq: number } | null;
  timeMode: TimeMode;
  onTimeMode(m: TimeMode): void;
  onSort(column: PacketColumn): void;
  onSelect(no: number): void;
  onFollow(no: number): void;
  onStatus(s: { total: number; error: { message: string } | null; firstRowsMs: number | null }): void;
}

export function PacketList(props: PacketListProps) {
  const { query, generation } = props;
  const bodyRef = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const [total, setTotal] = useState(0);
  const [firstTime, setFirstTime] = useState(0);
  const [version, setVersion] = useState(0);
  const cache = useRef(new Map<number, readonly PacketRow[]>());
  const inflight = useRef(new Set<number>());
  const queryKey = `${generation}|${query.filter}|${query.element}|${query.sort}|${query.descending}`;
  const keyRef = useRef(queryKey);
  const [selectedIndex, setSelectedIndex] = useState<number | null>(null);
  const started = useRef(0);
  const lastStatus = useRef<{ total: number; error: { message: string } | null; firstRowsMs: number | null }>({
    total: -1,
    error: null,
    firstRowsMs: null,
  });

  const fetchPage = useCallback(
    (page: number, locate = 0): Promise<PacketPage | null> => {
      const key = keyRef.current;
      if (locate === 0 && (cache.current.has(page) || inflight.current.has(page))) return Promise.resolve(null);
      inflight.current.add(page);
      return api
        .queryPackets({ ...query, offset: page * PAGE, limit: PAGE, locate })
        .then((p) => {
          if (keyRef.current !== key) return null;
          inflight.current.delete(page);
          cache.current.set(page, p.rows);
          setTotal(p.total);
          setFirstTime(p.firstTime);
          setVersion((v) => v + 1);
          // Tell the window only what changed (each report re-renders it).
          const status = {
            total: p.total,
            error: p.filterError,
            firstRowsMs: started.current ? performance.now() - started.current : lastStatus.current.firstRowsMs,
          };
          const prev = lastStatus.current;
          if (status.total !== prev.total || status.error?.message !== prev.error?.message || status.firstRowsMs !== prev.firstRowsMs)
            props.onStatus(status);
          lastStatus.current = status;
          started.current = 0;
          return p;
        })
        .catch((e: unknown) => {
          inflight.current.delete(page);
          props.onStatus({ total: 0, error: { message: e instanceof Error ? e.message : String(e) }, firstRowsMs: null });
          return null;
        });
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps -- queryKey stands for the whole query (the page fetcher reads it through keyRef), and a new onStatus from the parent must not throw the page cache away
    [queryKey],
  );

  // New query or new analysis: forget every cached page, go back to the top.
  useEffect(() => {
    keyRef.current = queryKey;
    cache.current = new Map();
    inflight.current = new Set();
    started.current = performance.now();
    setSelectedIndex(null);
    setTotal(0);
    if (bodyRef.current) bodyRef.current.scrollTop = 0;
    setScrollTop(0);
    void fetchPage(0);
  }, [queryKey, fetchPage]);

  useEffect(() => {
    if (!props.growth && !props.revision) return;
    cache.current = new Map();
    inflight.current = new Set();
    setVersion((v) => v + 1);
  }, [props.growth, props.revision]);

  useLayoutEffect(() => {
    const el = bodyRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  const vp = viewport(total, ROW_HEIGHT, scrollTop, Math.max(0, height - ROW_HEIGHT));
  // The pages in view, then the neighbours in the direction of travel (prefetch).
  useEffect(() => {
    const first = Math.max(0, Math.min(vp.first, total - 1));
    for (const p of pagesFor(first, Math.max(vp.count, 1), PAGE)) void fetchPage(p);
    const ahead = pagesFor(Math.max(0, first - PAGE / 2), vp.count + PAGE, PAGE).filter((p) => p * PAGE < total);
    for (const p of ahead) void fetchPage(p);
  }, [vp.first, vp.count, fetchPage, version, total]);

  const rowAt = (i: number): PacketRow | undefined => cache.current.get(Math.floor(i / PAGE))?.[i % PAGE];

  const bringIntoView = (i: number) => {
    const el = bodyRef.current;
    if (!el) return;
    const to = scrollToRow(i, total, ROW_HEIGHT, el.scrollTop, el.clientHeight - ROW_HEIGHT);
    if (to !== null) {
      el.scrollTop = to;
      setScrollTop(to);
    }
  };

  const selectIndex = (i: number) => {
    const clamped = Math.max(0, Math.min(total - 1, i));
    setSelectedIndex(clamped);
    bringIntoView(clamped);
    const row = rowAt(clamped);
    if (row) props.onSelect(row.no);
    else
      void fetchPage(Math.floor(clamped / PAGE)).then(() => {
        const r = rowAt(clamped);
        if (r) props.onSelect(r.no);
      });
  };

  // Reveal a packet chosen elsewhere: ask the backend where it sits in this query's order.
  useEffect(() => {
    if (!props.reveal) return;
    const no = props.reveal.no;
    void api.queryPackets({ ...query, offset: 0, limit: 0, locate: no }).then((p) => {
      if (p.located < 0) return;
      setSelectedIndex(p.located);
      const el = bodyRef.current;
      if (el) {
        const to = scrollToRow(p.located, p.total, ROW_HEIGHT, el.scrollTop, el.clientHeight - ROW_HEIGHT);
        if (to !== null) {
          el.scrollTop = to;
          setScrollTop(to);
        }
      }
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- runs once per reveal request: a query change after it must not scroll back to that packet
  }, [props.reveal]);

  const onKey = (e: KeyboardEvent) => {
    const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
    const cur = selectedIndex ?? -1;
    const moves: Record<string, number> = {
      ArrowDown: cur + 1,
      ArrowUp: cur - 1,
      PageDown: cur + page,
      PageUp: cur - page,
      Home: 0,
      End: total - 1,
    };
    if (e.key in moves && total > 0) {
      e.preventDefault();
      selectIndex(moves[e.key]);
    } else if (e.key === 'Enter' && props.selected !== null) {
      e.preventDefault();
      props.onFollow(props.selected);
    }
  };

  const rows: ReactElement[] = [];
  void version;
  for (let i = vp.first; i < vp.first + vp.count; i++) {
    const r = rowAt(i);
    const top = vp.top + (i - vp.first) * ROW_HEIGHT;
    if (!r) {
      rows.push(<div key={i} className="prow loading" style={{ top }} />);
      continue;
    }
    const prev = rowAt(i - 1);
    const time = formatTime(props.timeMode, r, firstTime, prev ? prev.time : null);
    rows.push(<RowView key={i} index={i} row={r} top={top} time={time} selected={r.no === props.selected} />);
  }
  // One listener for all rows (rows stay memoized: scrolling re-renders only rows that changed).
  const rowOf = (e: MouseEvent) => {
    const el = (e.target as HTMLElement).closest<HTMLElement>('.prow[data-index]');
    return el ? { index: Number(el.dataset.index), no: Number(el.dataset.no) } : null;
  };

  return (
    <div className="packet-list" role="grid" aria-label="Packets" aria-rowcount={total} data-testid="packet-list" data-total={total}>
      <div
        className="plist-body"
        ref={bodyRef}
        tabIndex={0}
        data-testid="packet-list-body"
        onKeyDown={onKey}
        onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}
      >
        <div className="prow header" role="row">
          {COLUMNS.map((c) => {
            const sortable = SORTABLE_COLUMNS.includes(c.key);
            const active = query.sort === c.key;
            return (
              <span
                key={c.key}
                role="columnheader"
                aria-sort={active ? (query.descending ? 'descending' : 'ascending') : 'none'}
                className={`cell ${c.className}${sortable ? ' sortable' : ''}`}
                onClick={() => sortable && props.onSort(c.key)}
                title={sortable ? 'Sort' : 'Not sortable (decoded on demand)'}
              >
                {c.key === 'time' ? (
                  <select
                    aria-label="Time format"
                    value={props.timeMode}
                    onClick={(e) => e.stopPropagation()}
                    onChange={(e) => props.onTimeMode(e.target.value as TimeMode)}
                  >
                    <option value="absolute">Time (abs)</option>
                    <option value="relative">Time (rel)</option>
                    <option value="delta">Time (delta)</option>
                  </select>
                ) : (
                  c.label
                )}
                {active ? (query.descending ? ' ▼' : ' ▲') : ''}
              </span>
            );
          })}
        </div>
        <div
          className="plist-content"
          style={{ height: vp.contentHeight }}
          onMouseDown={(e) => {
            const hit = rowOf(e);
            if (!hit) return;
            setSelectedIndex(hit.index);
            props.onSelect(hit.no);
          }}
          onDoubleClick={(e) => {
            const hit = rowOf(e);
            if (hit) props.onFollow(hit.no);
          }}
        >
          {rows}
        </div>
        {total === 0 && (
          <div className="empty overlay">{query.filter || query.element ? 'No packet matches this filter.' : 'No packets yet.'}</div>
        )}
      </div>
    </div>
  );
}
