// The window: toolbar (open, filter, export), captures on the left, packet list and the
// detail / follow tabs in the middle, the cluster graph on the right; a progress bar with cancel
// while captures load. Talks to the rest of the app only through `api` (the contract).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  REPORT_FORMATS,
  type AppState,
  type ExportResult,
  type FollowView,
  type GraphView,
  type NoteTarget,
  type NoteView,
  type PacketColumn,
  type PacketDetail as Detail,
  type FlowListItem,
  type MenuCommand,
  type ReportFormat,
} from '../common/contract';
import { api, desktop, uploadFiles } from './api';
import { CapturesPanel } from './components/CapturesPanel';
import { DecodeAsPanel } from './components/DecodeAs';
import { FilterBar } from './components/FilterBar';
import { SettingsPanel } from './components/Settings';
import { FollowPane } from './components/FollowPane';
import { GraphPane, useGraphRoom } from './components/GraphPane';
import { NoteBox, NotesPane } from './components/Notes';
import { PacketDetail } from './components/PacketDetail';
import { PacketList, type ListQuery } from './components/PacketList';
import { errorText as errText, formatBytes, formatCount, type TimeMode } from './logic/format';

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

export function App() {
  const dark = useDarkMode();
  const graphRoom = useGraphRoom();
  const [state, setState] = useState<AppState | null>(null);
  const [stateError, setStateError] = useState<string | null>(null);
  const [graph, setGraph] = useState<GraphView | null>(null);
  const [query, setQuery] = useState<ListQuery>({ filter: '', element: null, sort: 'no', descending: false });
  const [elementLabel, setElementLabel] = useState<string | null>(null);
  const [listStatus, setListStatus] = useState<{ total: number; error: { message: string } | null; firstRowsMs: number | null }>({
    total: 0,
    error: null,
    firstRowsMs: null,
  });
  const [timeMode, setTimeMode] = useState<TimeMode>('relative');
  const [selected, setSelected] = useState<number | null>(null);
  const [reveal, setReveal] = useState<{ no: number; seq: number } | null>(null);
  const [detail, setDetail] = useState<Detail | null>(null);
  const [detailError, setDetailError] = useState<string | null>(null);
  const [tab, setTab] = useState<'detail' | 'follow' | 'notes'>('detail');
  const [notes, setNotes] = useState<NoteView[] | null>(null);
  const [notesError, setNotesError] = useState<string | null>(null);
  /** Bumped when notes change: the list fetches its rows again for their note marks. */
  const [notesRev, setNotesRev] = useState(0);
  const [follow, setFollow] = useState<FollowView | null>(null);
  const [followError, setFollowError] = useState<string | null>(null);
  const [followLoading, setFollowLoading] = useState(false);
  const [journey, setJourney] = useState(0);
  /** Path of the selected packet's journey; the followed journey's path replaces it while the Follow tab is open. */
  const [selectionPath, setSelectionPath] = useState<{ path: string[]; focus: readonly string[] } | null>(null);
  const [elementFlows, setElementFlows] = useState<FlowListItem[] | null>(null);
  const [animateSeq, setAnimateSeq] = useState(0);
  const [notice, setNotice] = useState<{ text: string; url?: string; name?: string } | null>(null);
  const [dragging, setDragging] = useState(false);
  const [decodeAsOpen, setDecodeAsOpen] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const appendRef = useRef(false);
  const generation = state?.generation ?? 0;

  const refresh = useCallback(() => {
    api.getState().then(
      (s) => {
        // Polls mostly return the same state: keep the old object then (no re-render).
        setState((prev) => (prev && JSON.stringify(prev) === JSON.stringify(s) ? prev : s));
        setStateError(null);
      },
      (e: unknown) => setStateError(errText(e)),
    );
  }, []);

  // Poll the state: fast while loading, slowly otherwise (menu actions change it from outside).
  useEffect(() => {
    refresh();
    const busy = state?.phase === 'loading' || state?.phase === 'analysing';
    const t = setInterval(refresh, busy ? 250 : 1500);
    return () => clearInterval(t);
  }, [refresh, state?.phase]);

  // A new analysis: new graph, forget the selection.
  useEffect(() => {
    if (!generation) return;
    api.getGraph().then(setGraph, (e: unknown) => setGraph({ generation, elements: [], message: errText(e) }));
    setSelected(null);
    setDetail(null);
    setFollow(null);
    setSelectionPath(null);
  }, [generation]);

  useEffect(() => {
    if (selected === null) return;
    let live = true;
    setDetailError(null);
    api.getPacket({ no: selected }).then(
      (d) => live && setDetail(d),
      (e: unknown) => live && setDetailError(errText(e)),
    );
    // The selected packet's path lights up on the graph (its journey across the captures).
    if (state?.phase === 'ready')
      api.followPacket({ no: selected }).then(
        (f) => {
          if (!live) return;
          const j = f?.journeys[f.selected];
          setSelectionPath(
            j ? { path: j.hops.flatMap((h) => h.elements), focus: j.hops.find((h) => h.packetNo === selected)?.elements ?? [] } : null,
          );
        },
        () => live && setSelectionPath(null),
      );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- a packet's detail and path are fetched when the selection or the analysis changes, not when the other state they read does
  }, [selected, generation]);

  // The notes of the set: fetched for each new analysis and whenever their number changes (menu, reopen).
  const refreshNotes = useCallback(() => {
    api.listNotes().then(
      (n) => {
        setNotes(n);
        setNotesError(null);
      },
      (e: unknown) => setNotesError(errText(e)),
    );
  }, []);
  const sessionNotes = state?.session?.notes ?? -1;
  useEffect(() => {
    if (sessionNotes < 0) return setNotes(null);
    refreshNotes();
  }, [generation, sessionNotes, refreshNotes]);
  const notesChanged = useCallback(() => {
    refreshNotes();
    refresh();
    setNotesRev((r) => r + 1);
  }, [refreshNotes, refresh]);
  // A session that remembers a filter brings it back when its set is opened (unless one is typed already).
  const rememberedFilter = state?.session?.saved ? state.session.filter : '';
  const restored = useRef<string | null>(null);
  const sessionFile = state?.session?.file ?? null;
  useEffect(() => {
    if (!sessionFile || restored.current === sessionFile) return;
    restored.current = sessionFile;
    if (rememberedFilter) setQuery((q) => (q.filter ? q : { ...q, filter: rememberedFilter }));
  }, [sessionFile, rememberedFilter]);

  /** Shows a follow view (of a packet's flow or of a flow) in the Follow tab, or why there is none. */
  const showFollow = useCallback((request: Promise<FollowView | null>, none: string) => {
    setTab('follow');
    setFollowLoading(true);
    setFollowError(null);
    request.then(
      (f) => {
        setFollow(f);
        setJourney(f?.selected ?? 0);
        setFollowLoading(false);
        if (!f) setFollowError(none);
      },
      (e: unknown) => {
        setFollowLoading(false);
        setFollowError(errText(e));
      },
    );
  }, []);
  const doFollow = useCallback(
    (no: number) => showFollow(api.followPacket({ no }), `Packet ${no} belongs to no flow that can be followed (no IP 5-tuple).`),
    [showFollow],
  );
  const followFlow = useCallback(
    (flow: string) => showFollow(api.followFlow({ flow }), `The flow ${flow} is not in this analysis.`),
    [showFollow],
  );

  /** Goes to what a note is about. */
  const goTo = useCallback(
    (t: NoteTarget) => {
      if (t.kind === 'packet' || t.kind === 'hop') {
        setSelected(t.no);
        setReveal({ no: t.no, seq: Date.now() });
        // A hop is shown in its journey's hop table; a packet in the detail.
        if (t.kind === 'hop') doFollow(t.no);
        else setTab('detail');
      } else if (t.kind === 'flow') followFlow(t.flow);
      else if (t.kind === 'element') {
        setQuery((q) => ({ ...q, element: t.element }));
        setElementLabel(graph?.elements.find((e) => e.data.id === t.element)?.data.label ?? null);
      }
    },
    [doFollow, followFlow, graph],
  );

  // A graph element selected: the flows through it, to follow one (Follow flow tab).
  useEffect(() => {
    setElementFlows(null);
    if (!query.element) return;
    let live = true;
    api.flowsThrough({ element: query.element }).then(
      (f) => live && setElementFlows(f),
      () => live && setElementFlows([]),
    );
    return () => {
      live = false;
    };
  }, [query.element, generation]);

  const showExport = (r: ExportResult) => {
    if (r.kind === 'cancelled') return;
    if (r.kind === 'download')
      setNotice({
        text: r.name.endsWith('.pcapng') ? `${r.packets} packets written as pcapng.` : 'Report written.',
        url: r.url,
        name: r.name,
      });
    else if (r.kind === 'wireshark') setNotice({ text: `${r.packets} packets opened in Wireshark (${r.path}).` });
    else setNotice({ text: r.path.endsWith('.pcapng') ? `${r.packets} packets saved to ${r.path}.` : `Report saved to ${r.path}.` });
  };
  const exportFilter = useCallback(() => {
    api
      .exportPcapng({ selection: { kind: 'filter', filter: query.filter, element: query.element } })
      .then(showExport, (e: unknown) => setNotice({ text: errText(e) }));
  }, [query]);

  const exportReport = useCallback((format: ReportFormat) => {
    setNotice({ text: `Writing the ${format.toUpperCase()} report…` });
    api.exportReport({ format }).then(showExport, (e: unknown) => setNotice({ text: errText(e) }));
  }, []);

  // The desktop menu's commands, one handler each (a command added to MENU_COMMANDS needs one here).
  useEffect(() => {
    const handlers: Record<MenuCommand, () => void> = {
      'export-pcapng': exportFilter,
      'export-report': () => exportReport('html'),
    };
    return desktop?.onMenuCommand((c) => handlers[c]());
  }, [exportFilter, exportReport]);

  const open = (append: boolean) => {
    if (state?.shell === 'electron') api.chooseCaptures({ append }).then(setState, (e: unknown) => setNotice({ text: errText(e) }));
    else {
      appendRef.current = append;
      fileInput.current?.click();
    }
  };
  const openDropped = async (files: File[], append: boolean) => {
    if (!files.length) return;
    try {
      const shell = desktop;
      if (shell) setState(await api.openCaptures({ paths: files.map((f) => shell.pathForFile(f)), append }));
      else setState(await api.openCaptureFiles({ uploads: await uploadFiles(files), append }));
    } catch (e) {
      setNotice({ text: errText(e) });
    }
  };

  // Stable arrays: the graph re-styles only when the followed journey changes.
  const notedElements = useMemo(() => (notes ?? []).flatMap((n) => (n.target?.kind === 'element' ? [n.target.element] : [])), [notes]);
  const followPath = useMemo(() => follow?.journeys[journey]?.hops.flatMap((h) => h.elements) ?? [], [follow, journey]);
  const path = tab === 'follow' && follow ? followPath : (selectionPath?.path ?? followPath);
  const focus = useMemo(() => (tab === 'detail' ? (selectionPath?.focus ?? []) : []), [tab, selectionPath]);
  const hops = useMemo(() => follow?.journeys[journey]?.hops.map((h) => h.elements) ?? [], [follow, journey]);
  const busy = state?.phase === 'loading' || state?.phase === 'analysing';
  const p = state?.progress;

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
        void openDropped([...e.dataTransfer.files], e.shiftKey || (state?.captures.length ?? 0) > 0);
      }}
    >
      <header className="toolbar">
        <span className="brand">Tunnelvision</span>
        <button data-testid="open" onClick={() => open(false)} title="Open captures (replaces the set)">
          Open…
        </button>
        <button data-testid="add" onClick={() => open(true)} title="Add captures to the set">
          Add…
        </button>
        <select
          aria-label="Open recent"
          data-testid="recent"
          value=""
          disabled={!state?.recent.length}
          onChange={(e) => {
            const path = e.target.value;
            if (path)
              api.openCaptures({ paths: [path], append: false }).then(setState, (err: unknown) => setNotice({ text: errText(err) }));
          }}
        >
          <option value="">Recent…</option>
          {state?.recent.map((p) => (
            <option key={p} value={p}>
              {p.split(/[\\/]/).pop()}
            </option>
          ))}
        </select>
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          data-testid="file-input"
          accept=".pcap,.pcapng,.cap,.gz"
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            void openDropped(files, appendRef.current);
          }}
        />
        <FilterBar
          applied={query.filter}
          onApply={(filter) => {
            setQuery((q) => ({ ...q, filter }));
            api.rememberFilter({ filter }).catch(() => undefined);
          }}
          serverError={listStatus.error?.message ?? null}
        />
        <button
          data-testid="decode-as-open"
          onClick={() => setDecodeAsOpen((o) => !o)}
          disabled={!state?.captures.length || busy}
          title="Decode traffic on a port as a tunnel or protocol"
        >
          Decode as{state?.decodeAs.length ? ` (${state.decodeAs.length})` : '…'}
        </button>
        <button
          data-testid="export-filter"
          onClick={exportFilter}
          disabled={!state?.totalPackets}
          title="Write the listed packets as pcapng and open them in Wireshark"
        >
          Open in Wireshark
        </button>
        <select
          aria-label="Export report"
          data-testid="report-format"
          value=""
          disabled={!state?.totalPackets || busy}
          onChange={(e) => {
            if (e.target.value) exportReport(e.target.value as ReportFormat);
          }}
        >
          <option value="">Export report…</option>
          {REPORT_FORMATS.map((f) => (
            <option key={f} value={f}>
              {f === 'md' ? 'Markdown' : f === 'pcapng' ? 'Annotated pcapng' : f.toUpperCase()}
            </option>
          ))}
        </select>
        <button
          data-testid="settings-open"
          onClick={() => setSettingsOpen((o) => !o)}
          title="Read limits: bytes, packets and memory per capture set"
        >
          Settings…
        </button>
      </header>

      {decodeAsOpen && state && <DecodeAsPanel state={state} onApplied={setState} onClose={() => setDecodeAsOpen(false)} />}
      {settingsOpen && (
        <SettingsPanel canReload={!!state?.captures.length && !busy} onReload={refresh} onClose={() => setSettingsOpen(false)} />
      )}
      {busy && (
        <div
          className="progress"
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={p?.bytesTotal ?? 0}
          aria-valuenow={p?.bytesRead ?? 0}
          data-testid="progress"
        >
          <div className="bar">
            <div className="fill" style={{ width: `${p && p.bytesTotal ? Math.min(100, (100 * p.bytesRead) / p.bytesTotal) : 5}%` }} />
          </div>
          <span>
            {state?.phase === 'analysing' ? 'Analysing the capture set…' : `Reading ${p?.file ?? ''}`}{' '}
            {p ? `${formatBytes(p.bytesRead)} of ${formatBytes(p.bytesTotal)} · ${formatCount(p.packets)} packets` : ''}
          </span>
          <button
            data-testid="cancel"
            onClick={() => void api.cancelLoad().then(setState, (e: unknown) => setNotice({ text: errText(e) }))}
          >
            Cancel
          </button>
        </div>
      )}
      {(stateError || state?.message) && (
        <div className="banner" role="status" data-testid="banner">
          {stateError ?? state?.message}
        </div>
      )}
      {notice && (
        <div className="banner notice" role="status" data-testid="notice">
          {notice.text}{' '}
          {notice.url && (
            <a href={notice.url} download={notice.name}>
              Download {notice.name}
            </a>
          )}
          <button className="link" onClick={() => setNotice(null)}>
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
        <aside className="side">{state ? <CapturesPanel state={state} onChanged={refresh} /> : <p className="empty">Connecting…</p>}</aside>
        <section className="center" aria-label="Packets">
          <div className="list-head">
            <span data-testid="shown-count">
              {formatCount(listStatus.total)} of {formatCount(state?.totalPackets ?? 0)} packets
            </span>
            {query.element && (
              <span className="chip" data-testid="element-filter">
                only {elementLabel ?? query.element}
                <button className="link" onClick={() => setQuery((q) => ({ ...q, element: null }))} aria-label="Remove element filter">
                  ×
                </button>
              </span>
            )}
            {query.element && state?.session && (
              <NoteBox
                compact
                target={{ kind: 'element', element: query.element }}
                notes={notes ?? []}
                label={elementLabel ?? query.element}
                onChanged={notesChanged}
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
              <button onClick={() => open(false)}>Open captures…</button> <span className="muted">or drop files on this window</span>
            </div>
          ) : (
            <PacketList
              query={query}
              generation={generation}
              growth={busy ? (state?.totalPackets ?? 0) : 0}
              revision={notesRev}
              selected={selected}
              reveal={reveal}
              timeMode={timeMode}
              onTimeMode={setTimeMode}
              onSort={(c: PacketColumn) => setQuery((q) => ({ ...q, sort: c, descending: q.sort === c ? !q.descending : false }))}
              onSelect={(no) => {
                setSelected(no);
                setTab('detail');
              }}
              onFollow={doFollow}
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
          onSelect={(id, label) => {
            setQuery((q) => ({ ...q, element: id }));
            setElementLabel(label);
          }}
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
              Notes{notes?.length ? ` (${notes.length})` : ''}
            </button>
          </div>
          <div className="tab-body">
            {tab === 'detail' ? (
              <PacketDetail
                detail={detail}
                loading={selected !== null}
                error={detailError}
                onFollow={doFollow}
                notes={state?.session ? (notes ?? []) : null}
                onNotesChanged={notesChanged}
              />
            ) : tab === 'notes' ? (
              <NotesPane notes={notes} session={state?.session ?? null} error={notesError} onGo={goTo} onChanged={notesChanged} />
            ) : (
              <FollowPane
                follow={follow}
                elementFlows={query.element && elementFlows ? { element: elementLabel ?? query.element, flows: elementFlows } : null}
                onFollowFlow={followFlow}
                loading={followLoading}
                error={followError}
                journey={journey}
                onJourney={setJourney}
                onHop={(no) => {
                  setSelected(no);
                  setReveal({ no, seq: Date.now() });
                }}
                onAnimate={() => setAnimateSeq((s) => s + 1)}
                notes={state?.session ? (notes ?? []) : null}
                onNotesChanged={notesChanged}
                onExport={(kind) => {
                  if (!follow) return;
                  const sel =
                    kind === 'flow'
                      ? { kind: 'flow' as const, flow: follow.flow }
                      : { kind: 'journey' as const, flow: follow.flow, journey: follow.journeys[journey]?.id ?? '' };
                  api.exportPcapng({ selection: sel }).then(showExport, (e: unknown) => setNotice({ text: errText(e) }));
                }}
              />
            )}
          </div>
        </section>
      </main>
    </div>
  );
}
