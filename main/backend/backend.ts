// The backend: everything the UI asks for, answered from the open capture set. Runs in its own
// worker thread (worker-main.ts); both shells reach it through client.ts. This file owns the open
// set and the sequencing of its loads: loading streams each file once into columnar storage, then
// the path finder analyses the set in the analysis worker (analysis.ts), while this thread keeps
// answering the list, the filter and the detail view. Each other concern is a part of its own,
// reading the open set through `OpenSet` (open-set.ts): queries over the columns and full decodes (queries.ts), follow
// views (follow.ts), exports (export.ts), the captures and graph views (views.ts), when notes may
// be used (note-gate.ts), what is remembered across runs (remembered.ts), and the state pushed to
// the UI after each change (events.ts).
import { basename, resolve, sep } from 'node:path';
import { decodeAsNames } from '../engine/decode';
import type { DecodeAsEntry, DecodeAsProto, DecodeAsTable, DecodeOptions } from '../engine/decode/types';
import { interfaceKindFromName } from '../topology/naming';
import type { PointOverride } from '../topology/types';
import type { AppState, LoadProgress } from '../../common/contract';
import { uploadsFolder, type Backend, type BackendOptions } from './api';
import { AnalysisWorker, heapLimitMb, type AnalysisHandle } from './analysis';
import { readLimitFinding, readLimitNote } from './read-limit';
import { DEFAULT_LIMITS, ReadBudget, type ReadLimits } from '../engine/readers/budget';
import type { CaptureSetData } from '../topology';
import { expandBundles } from '../topology/bundles';
import type { RowLabels } from './columns';
import { PacketStore } from './store';
import { LoadSession } from './load-session';
import { sessionFileFor, type Notes, type NotesHost } from './notes';
import { assignmentOverrides } from '../session/overrides';
import { wiresharkPath } from './wireshark';
import { StateFeed } from './events';
import { analysisLabels, nameLabels, NO_LABELS } from './labels';
import { captureIdOfFile, notePacketOf, type OpenSet } from './open-set';
import { PacketQueries } from './queries';
import { FollowViews } from './follow';
import { Exports } from './export';
import { captureViews, GraphViews } from './views';
import { NoteGate, noteMethods } from './note-gate';
import { loadLimits, RecentFiles, saveLimits } from './remembered';
import { captureSource } from '../dataset/source';
import { DatasetSlot } from '../dataset/slot';
import { isDatasetDir } from '../dataset/app-source';

export function createBackend(opts: BackendOptions): Backend {
  /** Phase, generation, and the one load or inference step running (with its cancellation). */
  const session = new LoadSession(() => feed.changed());
  let progress: LoadProgress | null = null;
  let message: string | null = null;
  let store = new PacketStore();
  /** Files waiting to be read (shown as 'waiting'), with their display names. */
  let pending: { path: string; name: string }[] = [];
  let analysis: AnalysisHandle | null = null;
  /** What the path finder read (kept so a correction re-runs only the inference). */
  let setData: CaptureSetData | null = null;
  /** Problems unpacking folders or bundles of the current set. */
  let bundleNote: string | null = null;
  /** What a reading limit left out of the current set, or null. */
  let limitNote: string | null = null;
  /** The analysis runs here, off this thread; a finished analysis it loses afterwards is reported. */
  const analyses = new AnalysisWorker({
    file: opts.analysisWorkerFile,
    onLost(why) {
      dropAnalysis();
      message = lostAnalysis(why);
      bump();
    },
  });
  let labels: RowLabels = NO_LABELS;
  let pointIndex = new Map<string, number>();
  let overrides: PointOverride[] = [];
  const recent = new RecentFiles(opts.recentFile);
  /** The read limits for the next open or reload: the user's saved settings, then the shell's (command-line flags). */
  let limits: ReadLimits = { ...DEFAULT_LIMITS, ...loadLimits(opts.limitsFile), ...opts.limits };
  /** The limits the open set was read with (its analysis reads with the same). */
  let setLimits: ReadLimits = limits;
  const hasWireshark = wiresharkPath() !== null;
  /** The open set's session (notes, assignments, filter), and when notes may be used. */
  const gate = new NoteGate();
  /** The "decode as" table in force (from the set's session, or set by the user). */
  let decodeAs: DecodeAsTable = [];
  const decodeOpts = (): DecodeOptions | undefined => (decodeAs.length ? { decodeAs } : undefined);
  /** The set as it was opened (before bundles were unpacked). */
  let openedSet: { path: string; name: string }[] = [];
  /** The state pushed to the UI after each change. */
  const feed = new StateFeed(state);

  /** The open set as the parts read it: always the current one. */
  const set: OpenSet = {
    get store() {
      return store;
    },
    get labels() {
      // Capture points and files read since the last look get their names (an analysed set's are final).
      if (labels.stamp !== null && labels.stamp !== store.labelStamp()) labels = nameLabels(store);
      return labels;
    },
    get analysis() {
      return analysis;
    },
    get pointIndex() {
      return pointIndex;
    },
    get generation() {
      return session.generation;
    },
    get message() {
      return message;
    },
    get notes() {
      return gate.notes;
    },
    get decodeOptions() {
      return decodeOpts();
    },
  };
  const queries = new PacketQueries(set);
  const follow = new FollowViews(set);
  const graph = new GraphViews(set);
  const exports = new Exports(set, queries, () => gate.whenReady());
  /** A Parquet dataset open in place of a capture set answers the packet questions instead (main/dataset). */
  const datasets = new DatasetSlot(captureSource(queries, follow, graph), gate, opts.sessionDir);

  const notesHost: NotesHost = {
    async noOf(path, index) {
      const abs = resolve(path);
      const fi = store.files.findIndex((f) => resolve(f.path) === abs);
      const row = fi < 0 ? -1 : store.rowOf(fi, index);
      return row < 0 ? 0 : store.no(row);
    },
    async packetOf(no) {
      const row = store.rowOfNo(no);
      return row < 0 ? null : notePacketOf(set, row);
    },
    async placeOf(no) {
      const l = set.labels;
      const pt = l.points[l.pointOf(store.rowOfNo(no))];
      return `${pt?.node || 'unknown'} / ${pt?.iface || 'unknown'}`;
    },
    journeyOf: async (no) => {
      const row = store.rowOfNo(no);
      return row < 0 ? null : follow.journeyOfRow(row);
    },
    flowLabel: (flow) => follow.flowLabel(flow),
    element: (element) => graph.element(element),
  };

  // ------------------------------------------------------------------ loading
  const bump = (): void => session.bump();

  /** The set without its analysis: no graph, no journeys, the rows named after their files and interfaces. */
  function dropAnalysis(): void {
    analysis = null;
    labels = nameLabels(store);
    pointIndex = new Map();
    graph.reset();
  }

  /**
   * Analyses the set in the analysis worker (the set's data gathered once per load; `reuse` keeps
   * it, as after a correction). Until it is done the set has no analysis: nothing of the previous
   * one (its graph, its names for the rows, its journeys) is shown meanwhile.
   */
  async function runAnalysis(signal: AbortSignal, reuse: boolean): Promise<void> {
    const s = store;
    session.phase = 'analysing';
    if (analysis) dropAnalysis();
    bump();
    let a: AnalysisHandle | null = null;
    let failure = '';
    try {
      // The path finder analyses the list's own table: no second read, the same rows.
      if (!reuse || !setData) setData = await s.setData();
      if (!signal.aborted)
        a = await analyses.analyse(
          { ...setData, overrides: [...setData.overrides, ...overrides], findings: limitNote ? [readLimitFinding(limitNote)] : [] },
          signal,
          opts.analysisHeapMb ?? heapLimitMb(setLimits.maxMemoryBytes),
        );
    } catch (e) {
      failure = e instanceof Error ? e.message : String(e);
    }
    if (s !== store) return;
    if (signal.aborted) message = [bundleNote, limitNote, ANALYSIS_CANCELLED].filter(Boolean).join(' ');
    else if (a) {
      analysis = a;
      graph.reset();
      ({ labels, pointIndex } = analysisLabels(s, a));
      message = [bundleNote, limitNote].filter(Boolean).join(' ') || null;
    } else message = lostAnalysis(failure);
    bump();
  }

  /** Opens the session of the set (before the analysis: its assignments are corrections the analysis applies). */
  async function openNotes(paths: string[]): Promise<Notes | null> {
    const n = await gate.open(sessionFileFor(paths, opts.sessionDir, paths.every(isUpload)), notesHost);
    overrides = n ? assignmentOverrides(n.store.assignments) : [];
    return n;
  }

  /** Files the UI uploaded (browser mode) live in the temporary folder: their session goes to the data folder. */
  const isUpload = (path: string) => resolve(path).startsWith(resolve(uploadsFolder(opts.tempDir)) + sep);

  /** Loads one after the other: each waits for the previous to have started, then cancels it. */
  function load(files: { path: string; name: string }[], reload: { decodeAs: DecodeAsTable; filter: string } | null = null): Promise<void> {
    return session.enqueue(() => loadNow(files, reload));
  }

  /** Opens a set; `reload` reads the open set again with a new "decode as" table, keeping its filter. */
  async function loadNow(
    files: { path: string; name: string }[],
    reload: { decodeAs: DecodeAsTable; filter: string } | null,
  ): Promise<void> {
    session.cancel();
    await session.settled();
    const opened = files.map((f) => f.path);
    openedSet = [...files];
    const previous = gate.begin();
    // The previous set's notes are saved before its session is let go (a reload reopens the same file).
    await previous
      ?.close()
      .catch((e: unknown) => (gate.problem = `The last notes could not be saved: ${e instanceof Error ? e.message : String(e)}`));
    const s = new PacketStore();
    store = s;
    analysis = null;
    analyses.forget();
    setData = null;
    labels = nameLabels(s);
    queries.reset();
    pending = [...files];
    session.phase = 'loading';
    message = null;
    bump();
    const read = async (signal: AbortSignal): Promise<void> => {
      try {
        // Folders and capture bundles (Kubeshark, Retina tarballs) open as the captures inside them,
        // the same way the path finder sees them, so both number the same rows.
        const expanded = await expandBundles(files.map((f) => ({ path: f.path })));
        bundleNote = expanded.errors.length ? `Some bundles could not be opened: ${expanded.errors.join('; ')}` : null;
        message = bundleNote;
        // The session first: its "decode as" table and corrections shape how the set is read and analysed.
        const notes = files.length ? await openNotes(opened) : null;
        // The session file's entries were checked against the known protocols when it was read.
        decodeAs = reload?.decodeAs ?? (notes ? ([...notes.store.decodeAs] as DecodeAsTable) : []);
        const byPath = new Map(files.map((f) => [f.path, f.name]));
        setLimits = limits;
        const budget = new ReadBudget(setLimits);
        // One read per file into the set's one table: the list, the filter and the path finder all use it.
        await s.open(
          expanded.sources.map((x) => ({ ...x, name: byPath.get(x.path) ?? basename(x.path) })),
          { decodeAs, signal, budget, bundleErrors: expanded.errors },
        );
        pending = [];
        if (s.captures) progress = { bytesRead: 0, bytesTotal: 0, packets: 0, file: s.files[0].name };
        feed.changed();
        // A big set's files are read at once (the progress shown is of the file that last reported).
        await s.readFiles((i, p) => {
          progress = { ...p, file: s.files[i].name };
          feed.changed();
        });
        progress = null;
        await s.finishAnswering();
        limitNote = readLimitNote(s.files, budget.exceeded, s.count);
        if (limitNote) message = [bundleNote, limitNote].filter(Boolean).join(' ');
        labels = nameLabels(s);
        bump();
        if (signal.aborted) {
          session.phase = 'cancelled';
          const unread = s.files.filter((f) => f.status === 'waiting');
          message = `Loading cancelled: ${s.captures - unread.length} of ${s.captures} captures read${unread.length ? ` (${unread.map((p) => p.name).join(', ')} not opened)` : ''}.`;
          s.dropUnread();
          return;
        }
        // The session's captures are checked (SHA-256, on this thread) while the analysis runs in its worker.
        const check = async (): Promise<void> => {
          if (notes && s.files.length) {
            await notes
              .attach(
                s.files.map((f) => ({ path: f.path, comments: f.comments })),
                signal,
              )
              .catch((e: unknown) => {
                if (!signal.aborted)
                  gate.problem = `The session's captures could not be checked: ${e instanceof Error ? e.message : String(e)}`;
              });
            // A reload's table and filter go into the session once it holds its captures.
            if (reload) {
              notes.store.setDecodeAs(reload.decodeAs);
              notes.store.setFilter(reload.filter);
            }
          }
          gate.ready();
        };
        await Promise.all([check(), runAnalysis(signal, false)]);
        session.phase = signal.aborted ? 'cancelled' : 'ready';
      } finally {
        gate.ready();
        feed.changed();
      }
    };
    void session.start((signal) =>
      read(signal).catch((e: unknown) => {
        session.phase = 'failed';
        message = `Loading failed: ${e instanceof Error ? e.message : String(e)}`;
        bump();
      }),
    );
  }

  // ------------------------------------------------------------------ the API
  async function state(): Promise<AppState> {
    return datasets.state({
      shell: opts.shell,
      phase: session.phase,
      generation: session.generation,
      progress,
      captures: captureViews(set, pending),
      totalPackets: store.count,
      message: [message, gate.problem].filter(Boolean).join(' ') || null,
      recent: recent.list,
      wireshark: hasWireshark,
      session: gate.notes?.view() ?? null,
      decodeAs,
      decodeAsProtocols: decodeAsNames(),
      dataset: null,
    });
  }

  /** Opens a dataset directory in place of the capture set (which is let go). */
  async function openDataset(dir: string): Promise<AppState> {
    await datasets.openDir(
      dir,
      () => session.generation,
      async () => {
        await load([]);
        await session.settled();
      },
    );
    recent.remember([dir]);
    bump();
    return state();
  }

  const methods: Omit<Backend, 'subscribe'> = {
    getState: state,

    async openCaptures({ paths, append }) {
      // A dataset directory (dropped, from the recent list, given at start) replaces whatever is open: it cannot join captures.
      if (paths.length === 1 && isDatasetDir(paths[0])) return openDataset(paths[0]);
      await datasets.close();
      // Appending adds to the set as it was opened (bundles stay bundles: their session stays beside them).
      const files = [...(append ? openedSet : []), ...paths.map((p) => ({ path: p, name: basename(p) }))];
      recent.remember(paths);
      await load(files);
      return state();
    },

    openDataset: ({ path }) => openDataset(path),

    async openUploaded({ files, append }) {
      await datasets.close();
      const outside = files.find((f) => !isUpload(f.path));
      if (outside) throw new Error(`${outside.name}: not an upload`);
      await load([...(append ? openedSet : []), ...files]);
      return state();
    },

    async cancelLoad() {
      session.cancel();
      return state();
    },

    async setAttribution({ capture, node, iface }) {
      const kind = iface ? interfaceKindFromName(iface) : undefined;
      await datasets.refuseAttribution(capture, node, iface, kind);
      const f = store.files[capture];
      if (!f) throw new Error(`no capture #${capture}`);
      // The capture's id in the analysis (also known while the analysis is redone: the read set names it).
      const id = captureIdOfFile(set, capture) ?? setData?.files.find((x) => x.path === f.path)?.id ?? f.name;
      const assignment = { node: node ?? '', interface: iface ?? '', ...(kind ? { kind } : {}) };
      // The correction is part of the investigation: the session remembers it for the next opening.
      const notes = gate.notes;
      const sessionCapture = notes?.store.captureForPath(f.path)?.id;
      if (notes && sessionCapture) notes.store.setAssignment({ capture: sessionCapture, ...assignment });
      overrides = [...overrides.filter((o) => o.capture !== id), ...assignmentOverrides([{ capture: id, ...assignment }])];
      // An analysis in progress is of the uncorrected set: it stops, and the corrected one starts.
      if (session.phase === 'analysing') session.cancel();
      await session.settled();
      void session.start((signal) =>
        runAnalysis(signal, true).then(() => {
          session.phase = signal.aborted ? 'cancelled' : 'ready';
          feed.changed();
        }),
      );
      return state();
    },

    async setDecodeAs({ entries }) {
      const known = decodeAsNames();
      const table: DecodeAsEntry[] = entries.map((e) => {
        if (!known.includes(e.proto)) throw new Error(`decode as: unknown protocol '${e.proto}' (known: ${known.join(', ')})`);
        return { layer: e.layer, port: e.port, proto: e.proto as DecodeAsProto };
      });
      await datasets.refuse('"Decode as"', { kind: 'decode-as', entries: table });
      // Read the set again with the new table (the packet list's protocol columns come from reading).
      await load(openedSet, { decodeAs: table, filter: gate.notes?.store.filter ?? '' });
      return state();
    },

    async getLimits() {
      return { current: limits, defaults: DEFAULT_LIMITS };
    },

    async setLimits({ maxBytes, maxPackets, maxMemoryBytes, reload }) {
      const next = { maxBytes, maxPackets, maxMemoryBytes };
      saveLimits(opts.limitsFile, next);
      limits = next;
      // The open set is read again as after "decode as": with its table and filter.
      if (reload && openedSet.length) await load(openedSet, { decodeAs, filter: gate.notes?.store.filter ?? '' });
      return { current: limits, defaults: DEFAULT_LIMITS };
    },

    async getGraph() {
      return datasets.source().graph(session.phase);
    },

    queryPackets: (q) => datasets.source().page(q),
    getPacket: ({ no }) => datasets.source().detail(no),
    followPacket: ({ no }) => datasets.source().followPacket(no),
    followFlow: ({ flow }) => datasets.source().followFlow(flow),
    flowsThrough: ({ element }) => datasets.source().flowsThrough(element),
    writePcapng: ({ selection, path }) => datasets.pcapng(selection, path) ?? exports.writePcapng(selection, path),
    writeReport: ({ format, path }) => datasets.report(format, path) ?? exports.writeReport(format, path),

    ...noteMethods(gate, () =>
      datasets.open
        ? { owner: datasets.open, final: true, open: true }
        : { owner: store, final: store.finished, open: store.files.length > 0 },
    ),

    async close() {
      await datasets.close();
      await session.close();
      analyses.stop();
      await gate.notes?.close();
      feed.close();
    },
  };
  feed.changed();
  // Any call may change the state (a note saved, a set opened, the recent list): the feed sends it if it did.
  return { ...afterEachCall(methods, () => feed.changed()), subscribe: (event, listener) => feed.hub.subscribe(event, listener) };
}

const ANALYSIS_CANCELLED = 'Analysis cancelled: the packets are listed, filtered and decoded; open the set again to analyse it.';

/** The set's message when it has no analysis because the analysis failed (`why` names what failed). */
const lostAnalysis = (why: string) => `Cluster analysis failed: ${why}. Packets can still be listed, filtered and decoded.`;

/** `methods` with `after` run when each call settles. */
function afterEachCall<T extends object>(methods: T, after: () => void): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(methods))
    out[name] = (...args: unknown[]) => (fn as (...a: unknown[]) => Promise<unknown>)(...args).finally(after);
  // Sound: each function is replaced by one with the same parameters and result.
  return out as T;
}
