// The cluster graph (Cytoscape.js): compound boxes per Kubernetes node, underlay links labelled
// with the tunnel, services, edge widths from traffic. Elements are diffed by id; positions come
// from the deterministic layout and change only when the topology does. Selecting an element
// filters the packet list; a followed packet's path is highlighted and can be animated hop by hop.
import { useEffect, useRef, useState } from 'react';
import cytoscape, { type Core, type EdgeSingular, type NodeSingular } from 'cytoscape';
import cytoscapeSvg from 'cytoscape-svg';
import type { GraphView } from '../../common/contract';
import { DARK, LIGHT, graphStyle, layoutPositions } from '../logic/graph';

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
  onSelect(id: string | null, label: string | null): void;
}

export function GraphPane(props: GraphPaneProps) {
  const box = useRef<HTMLDivElement>(null);
  const cyRef = useRef<Core | null>(null);
  const topoKey = useRef('');
  const [count, setCount] = useState({ nodes: 0, edges: 0 });
  const onSelect = useRef(props.onSelect);
  onSelect.current = props.onSelect;

  useEffect(() => {
    claimCytoscapeStylesheet();
    const cy = cytoscape({
      container: box.current,
      // The stylesheet comes from the effect below, which runs right after this one and on every theme change.
      minZoom: 0.1,
      maxZoom: 4,
      boxSelectionEnabled: false,
      autoungrabify: false,
      // Big clusters stay responsive while zooming and panning.
      textureOnViewport: true,
      hideEdgesOnViewport: true,
    });
    cy.on('tap', (e) => {
      if (e.target === cy) return onSelect.current(null, null);
      const el = e.target as NodeSingular | EdgeSingular;
      onSelect.current(el.id(), (el.data('label') as string | undefined) ?? null);
    });
    cyRef.current = cy;
    (window as unknown as { __tunnelvisionGraph?: Core }).__tunnelvisionGraph = cy;
    // Follow the pane's size; keep the whole cluster in view until the user zooms or pans.
    let userMoved = false;
    cy.on('zoom pan', (e) => {
      if ((e as unknown as { originalEvent?: unknown }).originalEvent) userMoved = true;
    });
    const ro = new ResizeObserver(() => {
      cy.resize();
      if (!userMoved) cy.fit(undefined, 16);
    });
    if (box.current) ro.observe(box.current);
    return () => {
      ro.disconnect();
      cy.destroy();
    };
  }, []);

  useEffect(() => {
    cyRef.current?.style(graphStyle(props.dark ? DARK : LIGHT));
  }, [props.dark]);

  // Diff elements by id; lay out again only when the set of elements changed.
  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    const els = props.graph?.elements ?? [];
    const want = new Map(els.map((e) => [e.data.id, e]));
    cy.batch(() => {
      // One removal and one addition for the whole change: per-element calls are slow on big compound graphs.
      cy.elements().filter((el) => !want.has(el.id())).remove();
      const added: cytoscape.ElementDefinition[] = [];
      for (const e of els) {
        const existing = cy.getElementById(e.data.id);
        if (existing.nonempty()) existing.data({ ...e.data });
        else added.push({ group: e.group, data: { ...e.data } });
      }
      // Parents before children, nodes before edges.
      added.sort((a, b) => (a.group === b.group ? (a.data.parent ? 1 : 0) - (b.data.parent ? 1 : 0) : a.group === 'nodes' ? -1 : 1));
      if (added.length) cy.add(added);
    });
    const key = els.map((e) => `${e.data.id}>${e.data.parent ?? ''}`).sort().join('|');
    if (key !== topoKey.current) {
      topoKey.current = key;
      const positions = layoutPositions(els);
      cy.layout({ name: 'preset', positions: (n: cytoscape.NodeSingular) => positions.get(n.id()) ?? { x: 0, y: 0 }, fit: true, padding: 24 } as never).run();
    }
    setCount({ nodes: cy.nodes().length, edges: cy.edges().length });
  }, [props.graph]);

  // Path highlight: classes only, no layout.
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
  }, [props.path, props.focus, props.graph]);

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
    cy.elements().unselect();
    if (props.selected) cy.getElementById(props.selected).select();
  }, [props.selected, props.graph]);

  const bg = props.dark ? '#1b1d22' : '#ffffff';
  const empty = !props.graph || props.graph.elements.length === 0;
  return (
    <section className="graph-pane" aria-label="Cluster graph">
      <div className="pane-head">
        <h2>Cluster</h2>
        <span className="muted" data-testid="graph-count">
          {count.nodes} elements
        </span>
        <span className="spacer" />
        <button title="Zoom in" onClick={() => cyRef.current?.zoom({ level: cyRef.current.zoom() * 1.25, renderedPosition: { x: (box.current?.clientWidth ?? 0) / 2, y: (box.current?.clientHeight ?? 0) / 2 } })}>
          +
        </button>
        <button title="Zoom out" onClick={() => cyRef.current?.zoom({ level: cyRef.current.zoom() / 1.25, renderedPosition: { x: (box.current?.clientWidth ?? 0) / 2, y: (box.current?.clientHeight ?? 0) / 2 } })}>
          −
        </button>
        <button title="Fit the whole cluster" data-testid="graph-fit" onClick={() => cyRef.current?.fit(undefined, 24)}>
          Fit
        </button>
        <button title="Export as PNG" data-testid="graph-png" onClick={() => cyRef.current && download(cyRef.current.png({ output: 'blob', full: true, scale: 2, bg }), 'cluster.png')}>
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
      </div>
      <div className="graph" ref={box} data-testid="graph" />
      {empty && <div className="empty overlay">{props.graph?.message ?? 'The cluster appears here once captures are open: nodes, bridges, veths, pods, tunnels and services, inferred from the traffic.'}</div>}
      {!empty && props.graph?.message && <div className="graph-note muted">{props.graph.message}</div>}
      <div className="legend muted">
        <span className="lg pod">pod</span> <span className="lg veth">veth</span> <span className="lg bridge">bridge</span> <span className="lg tunnel">tunnel</span>{' '}
        <span className="lg nic">NIC</span> <span className="lg service">service</span>
      </div>
    </section>
  );
}
