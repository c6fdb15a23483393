// The window: toolbar (open, filter, export), captures on the left, packet list and the
// detail / follow / notes tabs in the middle, the cluster graph on the right; a progress bar with
// cancel while captures load. Its state lives in hooks (renderer/hooks/), one per concern: the
// backend's state (pushed, never polled), the list's query, the selection, the follow view, the
// notes, exports, the desktop menu's commands. It talks to the rest of the app only through
// `api` and `events` (the contract).
import { useEffect, useMemo, useState } from 'react';
import type { NoteTarget } from '../common/contract';
import { api } from './api';
import { CapturesPanel } from './components/CapturesPanel';
import { DecodeAsPanel } from './components/DecodeAs';
import { SettingsPanel } from './components/Settings';
import { FollowPane } from './components/FollowPane';
import { GraphPane, useGraphRoom } from './components/GraphPane';
import { NoteBox, NotesPane } from './components/Notes';
import { PacketDetail } from './components/PacketDetail';
import { PacketList } from './components/PacketList';
import { LoadProgressBar, Toolbar } from './components/Toolbar';
import { formatCount, type TimeMode } from './logic/format';
import { isBusy, useBackendState } from './hooks/backend-state';
import { useExports } from './hooks/exports';
import { useElementFlows, useFollow } from './hooks/follow';
import { useGraph } from './hooks/graph';
import { useListQuery } from './hooks/list-query';
import { useMenuCommands } from './hooks/menu';
import { useNotes } from './hooks/notes';
import { useOpener } from './hooks/opener';
import { useSelection } from './hooks/selection';

function useDarkMode(): boolean {
  const mq = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
  const [dark, setDark] = useState(mq?.matches ?? false);
  useEffect(() => {
    if (!mq) return;
    const on = () => setDark(mq.matches);
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, [mq]);
  return dark;
}

type Tab = 'detail' | 'follow' | 'notes';
interface ListStatus {
  total: number;
  error: { message: string } | null;
  firstRowsMs: number | null;
}

export function App() {
  const dark = useDarkMode();
  const graphRoom = useGraphRoom();
  const { state, error: stateError } = useBackendState();
  const generation = state?.generation ?? 0;
  const busy = isBusy(state);
  const graph = useGraph(generation);
  const list = useListQuery(state);
  const { query, elementLabel } = list;
  const [listStatus, setListStatus] = useState<ListStatus>({ total: 0, error: null, firstRowsMs: null });
  const [timeMode, setTimeMode] = useState<TimeMode>('relative');
  const [tab, setTab] = useState<Tab>('detail');
  const selection = useSelection(generation, state?.phase === 'ready');
  const follow = useFollow(generation, () => setTab('follow'));
  const elementFlows = useElementFlows(query.element, generation);
  const notes = useNotes(state);
  const exports = useExports();
  const opener = useOpener(state, exports.failed);
  const [animateSeq, setAnimateSeq] = useState(0);
  const [dragging, setDragging] = useState(false);
  const [decodeAsOpen, setDecodeAsOpen] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);

  const exportListed = () => exports.exportPcapng({ kind: 'filter', filter: query.filter, element: query.element });
  useMenuCommands({ 'export-pcapng': exportListed, 'export-report': () => exports.exportReport('html') });

  /** Goes to what a note is about. */
  const goTo = (t: NoteTarget) => {
    if (t.kind === 'packet' || t.kind === 'hop') {
      selection.show(t.no);
      // A hop is shown in its journey's hop table; a packet in the detail.
      if (t.kind === 'hop') follow.followPacket(t.no);
      else setTab('detail');
    } else if (t.kind === 'flow') follow.followFlow(t.flow);
    else if (t.kind === 'element') list.showElement(t.element, graph?.elements.find((e) => e.data.id === t.element)?.data.label ?? null);
  };

  // Stable arrays: the graph re-styles only when the followed journey changes.
  const shown = follow.follow?.journeys[follow.journey];
  const followPath = useMemo(() => shown?.hops.flatMap((h) => h.elements) ?? [], [shown]);
  const path = tab === 'follow' && follow.follow ? followPath : (selection.path?.path ?? followPath);
  const focus = useMemo(() => (tab === 'detail' ? (selection.path?.focus ?? []) : []), [tab, selection.path]);
  const hops = useMemo(() => shown?.hops.map((h) => h.elements) ?? [], [shown]);
  const sessionNotes = state?.session ? (notes.notes ?? []) : null;
  const notedElements = useMemo(
    () => (notes.notes ?? []).flatMap((n) => (n.target?.kind === 'element' ? [n.target.element] : [])),
    [notes.notes],
  );

  return (
    <div
      className={`app ${dark ? 'dark' : 'light'}${dragging ? ' dragging' : ''}`}
      data-phase={state?.phase ?? 'connecting'}
      data-generation={generation}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        opener.openFiles([...e.dataTransfer.files], e.shiftKey || (state?.captures.length ?? 0) > 0);
      }}
    >
      <Toolbar
        state={state}
        busy={busy}
        filter={query.filter}
        filterError={listStatus.error?.message ?? null}
        decodeAsCount={state?.decodeAs.length ?? 0}
        open={opener.open}
        openDataset={opener.openDataset}
        picker={opener.picker}
        onRecent={opener.openRecent}
        onFilter={list.applyFilter}
        onDecodeAs={() => setDecodeAsOpen((o) => !o)}
        onExportListed={exportListed}
        onReport={exports.exportReport}
        onSettings={() => setSettingsOpen((o) => !o)}
      />

      {decodeAsOpen && state && <DecodeAsPanel state={state} onClose={() => setDecodeAsOpen(false)} />}
      {settingsOpen && <SettingsPanel canReload={!!state?.captures.length && !busy} onClose={() => setSettingsOpen(false)} />}
      {busy && state && <LoadProgressBar state={state} onCancel={() => void api.cancelLoad().catch(exports.failed)} />}
      {(stateError || state?.message) && (
        <div className="banner" role="status" data-testid="banner">
          {stateError ?? state?.message}
        </div>
      )}
      {exports.notice && (
        <div className="banner notice" role="status" data-testid="notice">
          {exports.notice.text}{' '}
          {exports.notice.url && (
            <a href={exports.notice.url} download={exports.notice.name}>
              Download {exports.notice.name}
            </a>
          )}
          <button className="link" onClick={() => exports.tell(null)}>
            dismiss
          </button>
        </div>
      )}

      <main
        className={`panes${graphRoom.room.expanded ? ' graph-full' : ''}`}
        style={{
          gridTemplateColumns: `216px minmax(0, 1fr) ${graphRoom.room.width}px`,
          gridTemplateRows: `${graphRoom.room.height}px minmax(0, 1fr)`,
        }}
      >
        <aside className="side">{state ? <CapturesPanel state={state} /> : <p className="empty">Connecting…</p>}</aside>
        <section className="center" aria-label="Packets">
          <div className="list-head">
            <span data-testid="shown-count">
              {formatCount(listStatus.total)} of {formatCount(state?.totalPackets ?? 0)} packets
            </span>
            {query.element && (
              <span className="chip" data-testid="element-filter">
                only {elementLabel ?? query.element}
                <button className="link" onClick={() => list.showElement(null, null)} aria-label="Remove element filter">
                  ×
                </button>
              </span>
            )}
            {query.element && state?.session && (
              <NoteBox
                compact
                target={{ kind: 'element', element: query.element }}
                notes={notes.notes ?? []}
                label={elementLabel ?? query.element}
                onChanged={notes.changed}
              />
            )}
            {listStatus.firstRowsMs !== null && <span className="muted">first rows in {Math.round(listStatus.firstRowsMs)} ms</span>}
          </div>
          {state && state.captures.length === 0 && !busy ? (
            <div className="welcome" data-testid="welcome">
              <h1>Open the captures of one investigation</h1>
              <p>
                Take them with tcpdump on every node and interface on the path: the pod's veth, the bridge (cni0, docker0), the tunnel
                device (flannel.1, flannel0) and the node NIC (eth0).
              </p>
              <p>Tunnelvision decodes every tunnel layer, rebuilds the cluster and follows a packet from one capture to the next.</p>
              <button onClick={() => opener.open(false)}>Open captures…</button> <span className="muted">or drop files on this window</span>
            </div>
          ) : (
            <PacketList
              query={query}
              generation={generation}
              growth={busy ? (state?.totalPackets ?? 0) : 0}
              revision={notes.revision}
              selected={selection.selected}
              reveal={selection.reveal}
              timeMode={timeMode}
              onTimeMode={setTimeMode}
              onSort={list.sortBy}
              onSelect={(no) => {
                selection.select(no);
                setTab('detail');
              }}
              onFollow={follow.followPacket}
              onStatus={setListStatus}
            />
          )}
        </section>
        <GraphPane
          graph={graph}
          dark={dark}
          path={path}
          focus={focus}
          hops={hops}
          animateSeq={animateSeq}
          selected={query.element}
          noted={notedElements}
          onSelect={list.showElement}
          room={graphRoom.room}
          onResize={graphRoom.resize}
          onToggleRoom={graphRoom.toggle}
        />
        <section className="bottom">
          <div className="tabs" role="tablist">
            <button role="tab" aria-selected={tab === 'detail'} onClick={() => setTab('detail')} data-testid="tab-detail">
              Packet
            </button>
            <button role="tab" aria-selected={tab === 'follow'} onClick={() => setTab('follow')} data-testid="tab-follow">
              Follow flow
            </button>
            <button role="tab" aria-selected={tab === 'notes'} onClick={() => setTab('notes')} data-testid="tab-notes">
              Notes{notes.notes?.length ? ` (${notes.notes.length})` : ''}
            </button>
          </div>
          <div className="tab-body">
            {tab === 'detail' ? (
              <PacketDetail
                detail={selection.detail}
                loading={selection.selected !== null}
                error={selection.detailError}
                onFollow={follow.followPacket}
                notes={sessionNotes}
                onNotesChanged={notes.changed}
              />
            ) : tab === 'notes' ? (
              <NotesPane notes={notes.notes} session={state?.session ?? null} error={notes.error} onGo={goTo} onChanged={notes.changed} />
            ) : (
              <FollowPane
                follow={follow.follow}
                elementFlows={query.element && elementFlows ? { element: elementLabel ?? query.element, flows: elementFlows } : null}
                onFollowFlow={follow.followFlow}
                loading={follow.loading}
                error={follow.error}
                journey={follow.journey}
                onJourney={follow.setJourney}
                onHop={selection.show}
                onAnimate={() => setAnimateSeq((s) => s + 1)}
                notes={sessionNotes}
                onNotesChanged={notes.changed}
                onExport={(kind) => {
                  const f = follow.follow;
                  if (!f) return;
                  exports.exportPcapng(
                    kind === 'flow'
                      ? { kind: 'flow', flow: f.flow }
                      : { kind: 'journey', flow: f.flow, journey: f.journeys[follow.journey]?.id ?? '' },
                  );
                }}
              />
            )}
          </div>
        </section>
      </main>
    </div>
  );
}
