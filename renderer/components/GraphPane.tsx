// The cluster graph (Cytoscape.js): compound boxes per Kubernetes node laid out by ELK
// (logic/graph-layout.ts), underlay links labelled with the tunnel, services above, edge widths
// from traffic. Elements are diffed by id; the layout runs again only when the elements shown
// change. Big clusters start with their node boxes collapsed to summaries; a box opens on click,
// when a search hit is in it, or when the selected packet's path crosses it. Labels too small to
// read are not drawn and show on hover. Selecting an element filters the packet list; a followed
// packet's path is highlighted (always in view) and can be animated hop by hop. The pane can be
// resized by its edges and fill the whole window (Ctrl+Shift+E, Escape to come back).
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import cytoscape, { type Core, type EdgeSingular, type EventObject, type NodeSingular } from 'cytoscape';
import cytoscapeSvg from 'cytoscape-svg';
import type { GraphView } from '../../common/contract';
import {
  COLLAPSE_ABOVE,
  DARK,
  LIGHT,
  READABLE_ZOOM,
  WHOLE_ZOOM,
  applyElements,
  boxesCrossed,
  graphStyle,
  hoverText,
  notedMarks,
  searchGraph,
  sharedTunnelLabels,
  shownElements,
} from '../logic/graph';
import { GraphLayout, tunnelLabelMargin, type TunnelBend } from '../logic/graph-layout';
import { clampRoom, loadRoom, saveRoom, type GraphRoom } from '../logic/graph-room';

cytoscape.use(cytoscapeSvg);

// Cytoscape inserts an inline <style> (`position: relative` for its container), which the strict
// CSP refuses. The app's own stylesheet has that rule; a placeholder with the id Cytoscape looks
// for tells it the stylesheet is already there.
function claimCytoscapeStylesheet(): void {
  const id = '__________cytoscape_stylesheet';
  if (document.getElementById(id)) return;
  const marker = document.createElement('meta');
  marker.id = id;
  document.head.appendChild(marker);
}

function download(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const storage = (): Storage | null => {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
};

/** The graph pane's size and full-window state, remembered per user; Ctrl+Shift+E toggles, Escape leaves. */
export function useGraphRoom(): { room: GraphRoom; resize(dw: number, dh: number): void; toggle(): void } {
  const [room, setRoom] = useState<GraphRoom>(() =>
    clampRoom(loadRoom(storage(), { width: window.innerWidth, height: window.innerHeight }), {
      width: window.innerWidth,
      height: window.innerHeight,
    }),
  );
  // Saved once the user changes it: until then the default follows the window's size.
  const initial = useRef(room);
  useEffect(() => {
    if (room !== initial.current) saveRoom(storage(), room);
  }, [room]);
  const toggle = useCallback(() => setRoom((r) => ({ ...r, expanded: !r.expanded })), []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey && e.shiftKey && !e.altKey && e.key.toLowerCase() === 'e') {
        e.preventDefault();
        toggle();
      } else if (e.key === 'Escape' && !(e.target instanceof HTMLInputElement))
        setRoom((r) => (r.expanded ? { ...r, expanded: false } : r));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [toggle]);
  const resize = useCallback(
    (dw: number, dh: number) =>
      setRoom((r) =>
        clampRoom({ ...r, width: r.width + dw, height: r.height + dh }, { width: window.innerWidth, height: window.innerHeight }),
      ),
    [],
  );
  return { room, resize, toggle };
}

export interface GraphPaneProps {
  graph: GraphView | null;
  dark: boolean;
  /** Element ids on the followed path (highlighted), and the hops for the animation. */
  path: readonly string[];
  /** Elements of the selected packet's own hop (where it was captured). */
  focus: readonly string[];
  hops: readonly (readonly string[])[];
  animateSeq: number;
  selected: string | null;
  /** Ids of the elements that carry a note (marked as the report marks them). */
  noted: readonly string[];
  onSelect(id: string | null, label: string | null): void;
  room: GraphRoom;
  onResize(dw: number, dh: number): void;
  onToggleRoom(): void;
}

interface Tip {
  x: number;
  y: number;
  text: string;
}

/** Drag handle on an edge of the pane: reports how far the pointer moved. */
function Handle(props: { axis: 'x' | 'y'; onMove(d: number): void }) {
  return (
    <div
      className={`resize-handle ${props.axis}`}
      data-testid={`graph-resize-${props.axis}`}
      role="separator"
      aria-orientation={props.axis === 'x' ? 'vertical' : 'horizontal'}
      onPointerDown={(e) => {
        const el = e.currentTarget;
        el.setPointerCapture(e.pointerId);
        let last = props.axis === 'x' ? e.clientX : e.clientY;
        const move = (ev: PointerEvent) => {
          const now = props.axis === 'x' ? ev.clientX : ev.clientY;
          // The graph sits at the top right: dragging its left edge left or its bottom edge down makes it bigger.
          props.onMove(props.axis === 'x' ? last - now : now - last);
          last = now;
        };
        const up = () => {
          el.removeEventListener('pointermove', move);
          el.removeEventListener('pointerup', up);
        };
        el.addEventListener('pointermove', move);
        el.addEventListener('pointerup', up);
      }}
    />
  );
}

export function GraphPane(props: GraphPaneProps) {
  const box = useRef<HTMLDivElement>(null);
  const cyRef = useRef<Core | null>(null);
  const layoutRef = useRef<GraphLayout | null>(null);
  const topoKey = useRef('');
  const layoutRun = useRef(0);
  /** Lays the shown elements out again for the pane's current size, when it or they changed since the last time. */
  const relayout = useRef<() => void>(() => undefined);
  const laidFor = useRef({ key: '', size: '' });
  const userMoved = useRef(false);
  /** Set when the pane enters or leaves full window, until the next resize is seen. */
  const roomToggled = useRef(false);
  const [count, setCount] = useState({ nodes: 0, edges: 0 });
  const [layoutSeq, setLayoutSeq] = useState(0);
  const [tip, setTip] = useState<Tip | null>(null);
  /** What the default view leaves out and how to see it (none once the user moves the view). */
  const [viewNote, setViewNote] = useState('');
  /** Boxes the user opened (true) or closed (false), over the default for the cluster's size. */
  const [openBy, setOpenBy] = useState<ReadonlyMap<string, boolean>>(new Map());
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<{ id: string; seq: number } | null>(null);
  const [searchNote, setSearchNote] = useState('');
  const focusedSeq = useRef(0);
  const onSelect = useRef(props.onSelect);
  onSelect.current = props.onSelect;

  const els = useMemo(() => props.graph?.elements ?? [], [props.graph]);
  const big = els.filter((e) => e.group === 'nodes').length > COLLAPSE_ABOVE;
  // Boxes the path, the packet's own hop, the selected element or the search hit cross are open.
  const forced = useMemo(
    () => boxesCrossed([...props.path, ...props.focus, ...(props.selected ? [props.selected] : []), ...(found ? [found.id] : [])], els),
    [els, props.path, props.focus, props.selected, found],
  );
  const collapsed = useMemo(() => {
    const out = new Set<string>();
    for (const e of els) {
      if (e.data.kind !== 'k8s-node' || forced.has(e.data.id)) continue;
      if (openBy.get(e.data.id) ?? !big) continue;
      out.add(e.data.id);
    }
    return out;
  }, [els, forced, openBy, big]);
  const collapsedRef = useRef(collapsed);
  collapsedRef.current = collapsed;
  const shown = useMemo(() => shownElements(els, collapsed), [els, collapsed]);
  /** Tunnel labels drawn once, in the legend, rather than on each of the tunnels sharing them. */
  const tunnelKinds = useMemo(() => [...sharedTunnelLabels(shown)].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)), [shown]);
  const shownRef = useRef(shown);
  shownRef.current = shown;

  useEffect(() => {
    claimCytoscapeStylesheet();
    const cy = cytoscape({
      container: box.current,
      // The stylesheet comes from the theme effect below, which runs right after this one and on every theme change.
      minZoom: 0.05,
      maxZoom: 4,
      boxSelectionEnabled: false,
      autoungrabify: false,
      // Big clusters stay responsive while zooming and panning.
      textureOnViewport: true,
      hideEdgesOnViewport: true,
    });
    cy.on('tap', (e: EventObject) => {
      if (e.target === cy) return onSelect.current(null, null);
      const el = e.target as NodeSingular | EdgeSingular;
      const id = el.id();
      if (collapsedRef.current.has(id)) setOpenBy((m) => new Map(m).set(id, true));
      onSelect.current(id, (el.data('label') as string | undefined)?.split('\n')[0] ?? null);
    });
    cy.on('dbltap', 'node[kind = "k8s-node"]', (e: EventObject) => {
      const id = (e.target as NodeSingular).id();
      setOpenBy((m) => new Map(m).set(id, collapsedRef.current.has(id)));
    });
    // A label too small to be drawn shows on hover, and so does why an element's unknown facts are
    // unknown; a tunnel's label is drawn along it (a label several tunnels share is otherwise only in the legend).
    cy.on('mouseover', 'node, edge', (e: EventObject) => {
      const el = e.target as NodeSingular | EdgeSingular;
      if (el.isEdge() && el.data('kind') === 'underlay') el.addClass('hover');
      const text = (el.data('label') as string | undefined) || '';
      // pstyle (the parsed style) is missing from Cytoscape's type declarations.
      const parsed = el as unknown as { pstyle(name: string): { pfValue: number } };
      const px = parsed.pstyle('font-size').pfValue * cy.zoom();
      const tip = hoverText(text, el.data('unknown') as string | undefined, px);
      if (tip) setTip({ x: e.renderedPosition.x, y: e.renderedPosition.y, text: tip });
    });
    cy.on('mouseout', 'node, edge', (e: EventObject) => {
      (e.target as NodeSingular | EdgeSingular).removeClass('hover');
      setTip(null);
    });
    // Cytoscape sends no mouseout when the pointer leaves the canvas from over an element.
    const leave = () => {
      cy.elements('.hover').removeClass('hover');
      setTip(null);
    };
    const canvas = box.current;
    canvas?.addEventListener('mouseleave', leave);
    cy.on('zoom pan', (e) => {
      setTip(null);
      if ((e as unknown as { originalEvent?: unknown }).originalEvent) {
        userMoved.current = true;
        setViewNote('');
      }
    });
    cyRef.current = cy;
    layoutRef.current = new GraphLayout();
    // End-to-end tests and the benchmark read the rendered graph through Cytoscape's own API.
    (window as unknown as { __tunnelvisionGraph?: Core }).__tunnelvisionGraph = cy;
    // Follow the pane's size; keep the default view until the user zooms or pans.
    // Entering or leaving full window also re-applies it when the view kept would leave the labels
    // too small to draw (a Fit in the small pane): the bigger room can show them.
    const ro = new ResizeObserver(() => {
      cy.resize();
      const toggled = roomToggled.current;
      roomToggled.current = false;
      if (userMoved.current && !(toggled && cy.zoom() < READABLE_ZOOM)) return;
      userMoved.current = false;
      setViewNote(defaultView(cy));
      // The boxes' rows follow the pane's shape too (the view is set again when they are laid out).
      relayout.current();
    });
    if (box.current) ro.observe(box.current);
    return () => {
      ro.disconnect();
      canvas?.removeEventListener('mouseleave', leave);
      cy.destroy();
    };
  }, []);

  // Before the browser lays the new size out, so the resize it causes knows where it came from.
  useLayoutEffect(() => {
    roomToggled.current = true;
  }, [props.room.expanded]);

  useEffect(() => {
    cyRef.current?.style(graphStyle(props.dark ? DARK : LIGHT));
  }, [props.dark]);

  // Diff elements by id; lay out again only when the elements shown or their nesting changed.
  useEffect(() => {
    const cy = cyRef.current;
    const layout = layoutRef.current;
    if (!cy || !layout) return;
    applyElements(cy, shown);
    setCount({ nodes: cy.nodes().length, edges: cy.edges().length });
    const key = shown
      .map((e) => `${e.data.id}>${e.data.parent ?? ''}${e.data.collapsed ? '*' : ''}`)
      .sort()
      .join('|');
    if (key === topoKey.current) return;
    topoKey.current = key;
    const runLayout = (room: { width: number; height: number } | undefined): void => {
      const run = ++layoutRun.current;
      box.current?.setAttribute('data-layout', 'running');
      layout.layout(shownRef.current, room).then(
        (r) => {
          if (run !== layoutRun.current || cy.destroyed()) return;
          cy.batch(() => {
            for (const [id, p] of r.positions) {
              const n = cy.getElementById(id);
              if (n.nonempty() && n.isNode() && !n.isParent()) n.position(p);
            }
          });
          applyRoutes(cy, 'underlay', r.tunnelRoutes);
          applyBends(cy, r.bends, r.tunnelRoutes);
          applyRoutes(cy, 'service-link', r.linkRoutes);
          applyLinkLabels(cy, r.linkLabels);
          box.current?.setAttribute('data-layout', 'done');
          box.current?.setAttribute('data-layout-ms', r.ms.toFixed(1));
          if (!userMoved.current) setViewNote(defaultView(cy));
          setLayoutSeq((s) => s + 1);
        },
        (e: unknown) => {
          box.current?.setAttribute('data-layout', 'failed');
          console.warn('graph layout failed', e);
        },
      );
    };
    relayout.current = () => {
      const rect = box.current?.getBoundingClientRect();
      const room = rect && rect.width > 0 && rect.height > 0 ? { width: rect.width, height: rect.height } : undefined;
      const size = room ? `${Math.round(room.width)}x${Math.round(room.height)}` : '';
      if (size === laidFor.current.size && key === laidFor.current.key) return;
      laidFor.current = { key, size };
      runLayout(room);
    };
    relayout.current();
  }, [shown]);

  // Path highlight: classes only, no layout; the path is always in view, whole.
  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    cy.batch(() => {
      cy.elements().removeClass('path dim hop-active focus');
      if (props.path.length) {
        cy.elements().addClass('dim');
        for (const id of props.path) cy.getElementById(id).removeClass('dim').addClass('path');
        cy.nodes('[kind = "k8s-node"]').removeClass('dim');
      }
      for (const id of props.focus) cy.getElementById(id).addClass('focus');
    });
    if (props.path.length && box.current?.getAttribute('data-layout') === 'done') showWhole(cy, cy.elements('.path'));
  }, [props.path, props.focus, shown, layoutSeq]);

  // A search hit: centered, readable, marked.
  useEffect(() => {
    const cy = cyRef.current;
    if (!cy || !found) return;
    const el = cy.getElementById(found.id);
    // Once per search: later layouts (a path opening other boxes) do not pull the view back.
    if (el.empty() || box.current?.getAttribute('data-layout') !== 'done' || focusedSeq.current === found.seq) return;
    focusedSeq.current = found.seq;
    cy.elements('.found').removeClass('found');
    el.addClass('found');
    userMoved.current = true;
    cy.zoom(Math.max(cy.zoom(), 1.1));
    cy.center(el);
  }, [found, layoutSeq]);

  // Animate the hops one after another.
  useEffect(() => {
    const cy = cyRef.current;
    if (!cy || props.animateSeq === 0 || !props.hops.length) return;
    const timers: ReturnType<typeof setTimeout>[] = [];
    props.hops.forEach((ids, i) => {
      timers.push(
        setTimeout(() => {
          cy.batch(() => {
            cy.elements().removeClass('hop-active');
            for (const id of ids) cy.getElementById(id).addClass('hop-active');
          });
        }, i * 600),
      );
    });
    timers.push(setTimeout(() => cy.elements().removeClass('hop-active'), props.hops.length * 600 + 800));
    return () => timers.forEach(clearTimeout);
  }, [props.animateSeq, props.hops]);

  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    const marks = notedMarks(props.noted, els, collapsed);
    cy.batch(() => {
      cy.elements('.noted').removeClass('noted');
      for (const id of marks) cy.getElementById(id).addClass('noted');
    });
  }, [props.noted, els, collapsed, shown]);

  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    cy.elements().unselect();
    if (props.selected) cy.getElementById(props.selected).select();
  }, [props.selected, shown]);

  const search = (q: string) => {
    const hits = searchGraph(els, q);
    setSearchNote(q.trim() ? (hits.length ? (hits.length > 1 ? `1 of ${hits.length}` : '') : 'not found') : '');
    setFound(hits.length ? { id: hits[0], seq: Date.now() } : null);
  };
  const zoomBy = (f: number) => {
    const cy = cyRef.current;
    if (!cy) return;
    userMoved.current = true;
    setViewNote('');
    cy.zoom({
      level: cy.zoom() * f,
      renderedPosition: { x: (box.current?.clientWidth ?? 0) / 2, y: (box.current?.clientHeight ?? 0) / 2 },
    });
  };

  const bg = (props.dark ? DARK : LIGHT).background;
  const empty = !props.graph || props.graph.elements.length === 0;
  const boxes = els.filter((e) => e.data.kind === 'k8s-node').length;
  return (
    <section className={`graph-pane${props.room.expanded ? ' full' : ''}`} aria-label="Cluster graph" data-testid="graph-pane">
      {!props.room.expanded && <Handle axis="x" onMove={(d) => props.onResize(d, 0)} />}
      {!props.room.expanded && <Handle axis="y" onMove={(d) => props.onResize(0, d)} />}
      <div className="pane-head">
        <h2>Cluster</h2>
        <span className="muted" data-testid="graph-count">
          {count.nodes} elements{collapsed.size ? ` · ${collapsed.size}/${boxes} collapsed` : ''}
        </span>
        <form
          className="graph-search"
          onSubmit={(e) => {
            e.preventDefault();
            search(query);
          }}
        >
          <input
            type="search"
            placeholder="Find pod, node, IP"
            aria-label="Find in the graph"
            data-testid="graph-search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
          {searchNote && (
            <span className="muted" data-testid="graph-search-note">
              {searchNote}
            </span>
          )}
        </form>
        <span className="spacer" />
        {(big || collapsed.size > 0) && (
          <button
            title={collapsed.size ? 'Open every node box' : 'Collapse every node box to its summary'}
            data-testid="graph-collapse-all"
            onClick={() => setOpenBy(new Map(els.filter((e) => e.data.kind === 'k8s-node').map((e) => [e.data.id, collapsed.size > 0])))}
          >
            {collapsed.size ? 'Expand all' : 'Collapse all'}
          </button>
        )}
        <button title="Zoom in" onClick={() => zoomBy(1.25)}>
          +
        </button>
        <button title="Zoom out" onClick={() => zoomBy(1 / 1.25)}>
          −
        </button>
        <button
          title="Fit the whole cluster"
          data-testid="graph-fit"
          onClick={() => {
            userMoved.current = true;
            setViewNote('');
            cyRef.current?.fit(undefined, 24);
          }}
        >
          Fit
        </button>
        <button
          title="Export as PNG"
          data-testid="graph-png"
          onClick={() => cyRef.current && download(cyRef.current.png({ output: 'blob', full: true, scale: 2, bg }), 'cluster.png')}
        >
          PNG
        </button>
        <button
          title="Export as SVG"
          data-testid="graph-svg"
          onClick={() => {
            const cy = cyRef.current as (Core & { svg(o: object): string }) | null;
            if (cy) download(new Blob([cy.svg({ full: true, bg })], { type: 'image/svg+xml' }), 'cluster.svg');
          }}
        >
          SVG
        </button>
        <button
          title={props.room.expanded ? 'Back to the panes (Escape or Ctrl+Shift+E)' : 'Fill the window (Ctrl+Shift+E)'}
          data-testid="graph-expand"
          aria-pressed={props.room.expanded}
          onClick={props.onToggleRoom}
        >
          {props.room.expanded ? '⤡' : '⤢'}
        </button>
      </div>
      <div className="graph" ref={box} data-testid="graph" />

      {tip && (
        <div className="graph-tip" data-testid="graph-tip" style={{ left: tip.x + 12, top: tip.y + 40 }}>
          {tip.text}
        </div>
      )}
      {empty && (
        <div className="empty overlay">
          {props.graph?.message ??
            'The cluster appears here once captures are open: nodes, bridges, veths, pods, tunnels and services, inferred from the traffic.'}
        </div>
      )}
      {!empty && props.graph?.message && <div className="graph-note muted">{props.graph.message}</div>}
      <div className="legend muted">
        {viewNote && !empty && (
          <div className="graph-view-note" data-testid="graph-view-note">
            {viewNote}
          </div>
        )}
        <span className="lg pod">pod</span> <span className="lg veth">veth</span> <span className="lg bridge">bridge</span>{' '}
        <span className="lg tunnel">tunnel</span> <span className="lg nic">NIC</span> <span className="lg service">service</span>
        {tunnelKinds.map(([label, n]) => (
          <span key={label} className="lg underlay" data-testid="graph-tunnel-kind" title="Hover or select a tunnel to see its own label">
            {label} ({n} tunnels)
          </span>
        ))}
        {big && <span>· click a node to open it, double-click to close it</span>}
      </div>
    </section>
  );
}

/**
 * The view a graph opens with: the whole cluster when its labels can be read at that size. A
 * cluster too big for that is shown whole all the same while its node boxes are open and its
 * labels are still drawn (down to WHOLE_ZOOM): a handful of nodes, where what an operator looks at
 * first is which nodes there are and how they are joined, and the labels, small, read after a zoom,
 * a hover or the full window. Else (collapsed boxes, whose summary is all they show, or a fit so
 * small it would draw no name at all) from the top left at a readable zoom. Either way the note it
 * returns says what is not shown at full size and how to see it. The followed path, when there is
 * one, is always in view, whole.
 */
function defaultView(cy: Core): string {
  if (cy.elements().empty()) return '';
  cy.fit(undefined, 16);
  const boxes = cy.nodes('[kind = "k8s-node"]');
  let note = '';
  if (cy.zoom() < READABLE_ZOOM && cy.zoom() >= WHOLE_ZOOM && boxes.filter('[?collapsed]').empty()) {
    note =
      `All ${boxes.length} node${boxes.length === 1 ? '' : 's'} shown at ${Math.round(cy.zoom() * 100)}%, labels small: ` +
      'zoom in (scroll, +), hover an element or fill the window (⤢) to read them.';
  } else if (cy.zoom() < READABLE_ZOOM) {
    // Too big to read whole: from the top left of the node boxes, with the last services above them.
    const boxes = cy.nodes('[kind = "k8s-node"]');
    const bb = (boxes.nonempty() ? boxes : cy.elements()).boundingBox();
    const above = cy
      .nodes('[kind != "k8s-node"]')
      .orphans()
      .filter((n) => n.position('y') < bb.y1);
    cy.zoom(READABLE_ZOOM * 1.04);
    cy.pan({ x: 16 - bb.x1 * cy.zoom(), y: 16 - (above.nonempty() ? Math.max(above.boundingBox().y1, bb.y1 - 110) : bb.y1) * cy.zoom() });
    const ext = cy.extent();
    const seen = boxes.filter((n) => {
      const b = n.boundingBox({});
      return b.x1 >= ext.x1 && b.x2 <= ext.x2 && b.y1 >= ext.y1 && b.y2 <= ext.y2;
    }).length;
    note = `${seen} of ${boxes.length} node boxes in view at a readable size: drag to pan, Fit to see the whole cluster, or fill the window (⤢).`;
  } else if (cy.zoom() > 1.6) {
    cy.zoom(1.6);
    cy.center();
  }
  const path = cy.elements('.path');
  if (path.nonempty()) showWhole(cy, path);
  return note;
}

/** Brings `eles` wholly into view, zooming out only as far as needed. */
function showWhole(cy: Core, eles: cytoscape.CollectionReturnValue): void {
  const bb = eles.boundingBox();
  const ext = cy.extent();
  if (bb.x1 >= ext.x1 && bb.x2 <= ext.x2 && bb.y1 >= ext.y1 && bb.y2 <= ext.y2) return;
  const zoom = cy.zoom();
  cy.fit(eles, 24);
  if (cy.zoom() > zoom) {
    cy.zoom(zoom);
    cy.center(eles);
  }
}

/**
 * Gives each tunnel the curve the layout chose for it, on the side it chose: Cytoscape measures the
 * distance on one side of the line between the edge's two nodes taken in an order of its own, so
 * the control points it makes are checked against the wanted ones, and the sign turned when mirrored.
 */
function applyBends(cy: Core, bends: ReadonlyMap<string, TunnelBend>, routed: ReadonlyMap<string, unknown>): void {
  cy.edges('[kind = "underlay"]').forEach((edge) => {
    if (routed.has(edge.id())) return;
    const { distance: d, weights } = bends.get(edge.id()) ?? { distance: 100, weights: [0.5] };
    const set = (x: number) => {
      edge.data('bend', x);
      edge.style({ 'control-point-weights': weights, 'control-point-distances': weights.map(() => x) });
    };
    set(d);
    const p = edge.source().position();
    const q = edge.target().position();
    const len = Math.hypot(q.x - p.x, q.y - p.y) || 1;
    const want = weights.map((w) => ({
      x: p.x + (q.x - p.x) * w - ((q.y - p.y) / len) * d,
      y: p.y + (q.y - p.y) * w + ((q.x - p.x) / len) * d,
    }));
    const got = edge.controlPoints() ?? [];
    if (got.some((g) => Math.min(...want.map((c) => Math.hypot(g.x - c.x, g.y - c.y))) > Math.abs(d))) set(-d);
    edge.data('labelMargin', tunnelLabelMargin(p, q, d));
  });
}

/**
 * Draws the service links and tunnels the layout routed down a gap between node boxes along their
 * corners (Cytoscape's segments: each corner as a share of the way between the two ends' centers
 * and a distance off that line, its side checked against the corner wanted as for the tunnels'
 * bends); the other service links straight, the other tunnels as their bends (applyBends).
 */
function applyRoutes(cy: Core, kind: string, routes: ReadonlyMap<string, readonly { x: number; y: number }[]>): void {
  cy.edges(`[kind = "${kind}"]`).forEach((edge) => {
    const corners = routes.get(edge.id());
    if (!corners?.length) {
      edge.removeStyle('curve-style segment-weights segment-distances edge-distances');
      return;
    }
    const p = edge.source().position();
    const q = edge.target().position();
    const len2 = (q.x - p.x) ** 2 + (q.y - p.y) ** 2 || 1;
    const weights = corners.map((c) => ((c.x - p.x) * (q.x - p.x) + (c.y - p.y) * (q.y - p.y)) / len2);
    const distances = corners.map((c) => ((q.x - p.x) * (c.y - p.y) - (q.y - p.y) * (c.x - p.x)) / Math.sqrt(len2));
    edge.style({
      'curve-style': 'segments',
      'edge-distances': 'node-position',
      'segment-weights': weights,
      'segment-distances': distances,
    });
    const got = edge.segmentPoints()?.[0];
    if (got && Math.hypot(got.x - corners[0].x, got.y - corners[0].y) > 1)
      edge.style(
        'segment-distances',
        distances.map((d) => -d),
      );
  });
}

/**
 * Puts each service link's label where the layout placed it: Cytoscape draws an edge's label at
 * its midpoint (a straight one's between its endpoints, on its ends' shapes), so the label is moved
 * by the difference (text-margin, in model units for a level label).
 */
function applyLinkLabels(cy: Core, places: ReadonlyMap<string, { x: number; y: number }>): void {
  cy.edges('[kind = "service-link"]').forEach((edge) => {
    const at = places.get(edge.id());
    const m = edge.midpoint();
    edge.data(at ? { labelDx: at.x - m.x, labelDy: at.y - m.y } : { labelDx: 0, labelDy: 0 });
  });
}
