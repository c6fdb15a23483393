// THE contract between the UI and the rest of the product. One list of methods with their argument
// validators and result types: main/app implements it over Electron IPC, main/server over HTTP
// (browser mode), preload/index.ts exposes it to the renderer as named functions, and the renderer
// calls it without knowing which shell it runs in. Plain TypeScript, no Node or Electron imports.
//
// Every argument crossing the boundary is untrusted: `validateArgs` checks each one against the
// method's validator before the backend sees it. Everything in the results that came from a capture
// (names, info text, field values) is untrusted text too: the renderer shows it as React text only.

// ---------------------------------------------------------------------------------------------
// Result types (serialisable: plain objects, arrays, strings, numbers, booleans, null, Uint8Array)

export type Shell = 'electron' | 'browser';
export type LoadPhase = 'idle' | 'loading' | 'analysing' | 'ready' | 'cancelled' | 'failed';

export interface CaptureError {
  readonly code: string;
  readonly message: string;
  /** Byte offset in the file where the problem is (-1 when not tied to a place). */
  readonly offset: number;
  /** True when reading stopped there. */
  readonly fatal: boolean;
}

export interface CaptureView {
  readonly id: number;
  /** File name only (the full path stays in the backend). */
  readonly name: string;
  readonly path: string;
  readonly format: string;
  /** Kubernetes node the capture was taken on, or null when unknown. */
  readonly node: string | null;
  readonly iface: string | null;
  /** veth | bridge | vtep | tun | underlay | any | unknown */
  readonly kind: string;
  /** Where the node/interface came from: 'pcapng', 'file-name', 'traffic', 'user', 'unknown'. */
  readonly attribution: string;
  readonly packets: number;
  /** Seconds since the epoch (float) of the first and last packet, null when empty. */
  readonly firstTime: number | null;
  readonly lastTime: number | null;
  readonly status: 'loading' | 'ok' | 'partial' | 'failed' | 'waiting';
  readonly errors: readonly CaptureError[];
  /** Why each capture point of the file was placed where it is (absent until the set is analysed). */
  readonly placement?: readonly PlacementView[];
}

/** One capture point's place and the evidence the attribution cited for it. */
export interface PlacementView {
  /** Point id: the file, 'file#if_name' (pcapng) or 'file#if<ifindex>' (-i any). */
  readonly point: string;
  readonly node: string | null;
  readonly iface: string | null;
  readonly kind: string;
  /** The claims that won, each with how many packets show it. */
  readonly why: readonly { readonly reason: string; readonly packets: number }[];
  /** Sources that disagreed strongly (also listed as findings). */
  readonly conflicts: readonly string[];
}

export interface LoadProgress {
  readonly bytesRead: number;
  readonly bytesTotal: number;
  readonly packets: number;
  readonly file: string;
}

/** Where the open set's notes are kept (the session file), and what is wrong with it. */
export interface SessionView {
  /** The session file: beside the captures, or in the app's data folder when that is not writable. */
  readonly file: string;
  /** True once the file exists (nothing is written before the first note or correction). */
  readonly saved: boolean;
  readonly notes: number;
  /** Captures that changed or went missing since they were annotated: their packet notes are kept but not shown on packets. */
  readonly problems: readonly string[];
  /** The last save's error, or null. */
  readonly error: string | null;
  /** The display filter the session remembers. */
  readonly filter: string;
}

/** "Decode as": traffic on this TCP/UDP port is decoded as `proto` (a name from AppState.decodeAsProtocols). */
export interface DecodeAsView {
  readonly layer: 'udp' | 'tcp';
  readonly port: number;
  readonly proto: string;
}

/** What reading one capture set may cost; past a limit, reading stops with a finding and what was read stays. */
export interface LimitsView {
  /** Bytes read from the captures after decompression. */
  readonly maxBytes: number;
  /** Packets read over the whole set. */
  readonly maxPackets: number;
  /** Resident memory of the backend's process. */
  readonly maxMemoryBytes: number;
}

/** The limits in force (applied to the next open or reload of a set) and the product's defaults. */
export interface LimitsState {
  readonly current: LimitsView;
  readonly defaults: LimitsView;
}

export interface AppState {
  readonly shell: Shell;
  readonly phase: LoadPhase;
  /** Changes whenever the analysis changes: the UI refetches graph and packet pages then. */
  readonly generation: number;
  readonly progress: LoadProgress | null;
  readonly captures: readonly CaptureView[];
  readonly totalPackets: number;
  /** A message for the whole set (e.g. "the path module is not available: ..."), or null. */
  readonly message: string | null;
  readonly recent: readonly string[];
  readonly wireshark: boolean;
  /** The session of the open set, null when nothing is open. */
  readonly session: SessionView | null;
  /** The "decode as" entries in force (they take precedence over the built-in port tables). */
  readonly decodeAs: readonly DecodeAsView[];
  /** What a port can be decoded as. */
  readonly decodeAsProtocols: readonly string[];
  /**
   * The folder of the Parquet dataset open in place of captures, null for captures. A dataset cannot
   * be read or analysed again in place: a correction or "decode as" gives the command that exports it again.
   */
  readonly dataset: string | null;
}

/** One Cytoscape element, ready for `cy.add`. */
export interface GraphElementView {
  readonly group: 'nodes' | 'edges';
  readonly data: {
    readonly id: string;
    readonly label: string;
    /** k8s-node | bridge | veth | pod | tunnel | nic | service | external | underlay | link | service-link */
    readonly kind: string;
    readonly parent?: string;
    readonly source?: string;
    readonly target?: string;
    /** Packets seen on this element (edges: carried by the link). */
    readonly packets: number;
    /** Line width class from traffic, 1..8. */
    readonly weight: number;
    /** Short explanation of why the element exists (evidence). */
    readonly evidence?: string;
    /** Why its unknown facts are unknown, one line each ('gateway address unknown: …'): shown on hover. */
    readonly unknown?: string;
    /** Node boxes: findings about this node (drops, NAT, clock, attribution...). */
    readonly findings?: number;
  };
}

export interface GraphView {
  readonly generation: number;
  readonly elements: readonly GraphElementView[];
  readonly message: string | null;
}

export const PACKET_COLUMNS = ['no', 'time', 'node', 'iface', 'src', 'dst', 'protocol', 'length', 'encap', 'info'] as const;
export type PacketColumn = (typeof PACKET_COLUMNS)[number];
/** Columns the backend can sort without decoding every packet. */
export const SORTABLE_COLUMNS: readonly PacketColumn[] = ['no', 'time', 'node', 'iface', 'src', 'dst', 'protocol', 'length', 'encap'];

export interface PacketRow {
  /** 1-based number in the time-ordered list of all packets of the set. */
  readonly no: number;
  readonly capture: number;
  /** Seconds since the epoch, float (for display; exact parts below). */
  readonly time: number;
  readonly tsSec: number;
  readonly tsNsec: number;
  /** The packet's record has no timestamp (a pcapng Simple Packet Block): the times above only keep file order. */
  readonly noTime?: boolean;
  readonly node: string;
  readonly iface: string;
  readonly src: string;
  readonly dst: string;
  readonly protocol: string;
  readonly length: number;
  /** '' for plain packets, else e.g. 'VXLAN 1', 'flannel-udp', 'IPIP'. */
  readonly encap: string;
  readonly info: string;
  /** Colour rule name: tcp, udp, icmp, arp, dns, vxlan, geneve, flannel, ipip, error, other. */
  readonly color: string;
  /** The gravest severity of the notes on this packet, null when it has none. */
  readonly note: NoteSeverity | null;
}

export interface PacketQuery {
  readonly filter: string;
  /** Graph element id whose packets to keep, or null. */
  readonly element: string | null;
  readonly sort: PacketColumn;
  readonly descending: boolean;
  readonly offset: number;
  readonly limit: number;
}

export interface FilterErrorView {
  readonly message: string;
  readonly start: number;
  readonly end: number;
}

export interface PacketPage {
  readonly generation: number;
  /** Packets matching the query. */
  readonly total: number;
  readonly offset: number;
  readonly rows: readonly PacketRow[];
  readonly filterError: FilterErrorView | null;
  /** Time of the first packet of the whole set (for relative times). */
  readonly firstTime: number;
  /** Index (in the query's order) of the row whose `no` was asked for by `locate`, else -1. */
  readonly located: number;
}

export interface FieldView {
  readonly name: string;
  readonly label: string;
  readonly value: string;
  readonly offset: number;
  readonly length: number;
  readonly children: readonly FieldView[];
}

export interface LayerView {
  readonly proto: string;
  readonly name: string;
  readonly summary: string;
  readonly offset: number;
  readonly length: number;
  readonly fields: readonly FieldView[];
}

export interface LevelView {
  /** 0 = outermost. */
  readonly level: number;
  /** e.g. "Outer (underlay)", "Inner (VXLAN 1)". */
  readonly title: string;
  readonly layers: readonly LayerView[];
}

export interface AnomalyView {
  readonly code: string;
  readonly message: string;
  readonly severity: 'error' | 'warning';
  readonly offset: number;
}

export interface PacketDetail {
  readonly no: number;
  readonly capture: number;
  readonly captureName: string;
  readonly node: string;
  readonly iface: string;
  readonly tsSec: number;
  readonly tsNsec: number;
  /** The packet's record has no timestamp (a pcapng Simple Packet Block): tsSec and tsNsec mean nothing. */
  readonly noTime?: boolean;
  readonly capLen: number;
  readonly origLen: number;
  readonly info: string;
  readonly levels: readonly LevelView[];
  /** Field names whose value differs between levels (e.g. 'ip.src', 'eth.dst'). */
  readonly differing: readonly string[];
  readonly anomalies: readonly AnomalyView[];
  /** When the packet is an IP fragment: where it sits in its datagram and where the set reassembles it. */
  readonly fragment?: string;
  readonly bytes: Uint8Array;
  readonly comments: readonly string[];
}

/** A wall-clock time with nanoseconds, exact (epoch seconds and nanoseconds). */
export interface WallTime {
  readonly sec: number;
  readonly nsec: number;
}

export interface HopView {
  readonly packetNo: number;
  readonly capture: string;
  readonly node: string;
  readonly iface: string;
  readonly time: number;
  /** The capture recorded no timestamp for this sighting (a pcapng Simple Packet Block): the times below mean nothing. */
  readonly noTime?: boolean;
  /** When the packet was there, on the reference node's clock (the node's clock offset removed). */
  readonly corrected: WallTime;
  /** The capture's own timestamp (the node's clock, uncorrected). */
  readonly captured: WallTime;
  /** Nanoseconds removed from this node's clock (its offset to the reference node), 0 on the reference. */
  readonly offsetNs: number;
  /** Seconds since the previous hop (clock-corrected), null for the first hop (and when the clocks cannot time it: see deltaNote). */
  readonly delta: number | null;
  /** Across two node clocks: the interval [min, max] (seconds, max null when unbounded) the true delta lies in. */
  readonly deltaRange?: readonly [number, number | null] | null;
  /** Why the delta is only a range, or unknown. */
  readonly deltaNote?: string | null;
  readonly ttl: number | null;
  /** e.g. "dst 10.43.0.10:80 -> 10.42.1.7:8080", or '' when nothing changed. */
  readonly nat: string;
  readonly encap: string;
  /** Graph element ids this hop lights up. */
  readonly elements: readonly string[];
}

export interface JourneyView {
  readonly id: string;
  readonly label: string;
  readonly hops: readonly HopView[];
  /** Where the packet was last seen when it did not arrive, else null. */
  readonly lastSeen: string | null;
  /** Why the journey is delivered, dropped or unknown (an ICMP error quoting it, an answer...). */
  readonly verdict?: string | null;
  readonly findings: readonly string[];
}

export interface FollowView {
  readonly flow: string;
  readonly flowLabel: string;
  /** Community ID v1 of the flow (to look it up in Zeek/Suricata/Wireshark), null when not hashable. */
  readonly communityId?: string | null;
  readonly packets: number;
  readonly bytes: number;
  /** Journeys of the flow; `selected` is the one containing the asked-for packet. */
  readonly journeys: readonly JourneyView[];
  readonly selected: number;
  readonly findings: readonly string[];
  /** The node whose clock the corrected hop times are on, null when no offset could be measured. */
  readonly clockReference?: string | null;
}

export interface FlowListItem {
  readonly flow: string;
  readonly label: string;
  readonly packets: number;
  readonly journeys: number;
}

export type ExportSelection =
  | { readonly kind: 'filter'; readonly filter: string; readonly element: string | null }
  | { readonly kind: 'flow'; readonly flow: string }
  | { readonly kind: 'journey'; readonly flow: string; readonly journey: string };

export type ExportResult =
  | { readonly kind: 'wireshark'; readonly path: string; readonly packets: number }
  /** packets: how many packets the file holds (0 for a report without packets). */
  | { readonly kind: 'saved'; readonly path: string; readonly packets: number }
  | { readonly kind: 'download'; readonly name: string; readonly url: string; readonly packets: number }
  | { readonly kind: 'cancelled' };

export const REPORT_FORMATS = ['html', 'md', 'json', 'pdf', 'pcapng'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const NOTE_SEVERITIES = ['info', 'warning', 'problem'] as const;
export type NoteSeverity = (typeof NOTE_SEVERITIES)[number];
export const NOTE_KINDS = ['set', 'packet', 'flow', 'hop', 'element'] as const;

/** What a note is about, in the terms of the open set (packet numbers of the list, flow and journey ids). */
export type NoteTarget =
  | { readonly kind: 'set' }
  | { readonly kind: 'packet'; readonly no: number }
  | { readonly kind: 'flow'; readonly flow: string }
  /** Hop `hop` (0-based) of a journey of a flow; `no` is the packet seen at that hop. */
  | { readonly kind: 'hop'; readonly flow: string; readonly journey: string; readonly hop: number; readonly no: number }
  /** A graph element (node, pod, link...) by its id. */
  | { readonly kind: 'element'; readonly element: string };

export interface NoteView {
  readonly id: string;
  readonly kind: (typeof NOTE_KINDS)[number];
  /** Where the note points in the open set, null when that is not here now (its capture changed or went missing). */
  readonly target: NoteTarget | null;
  /** What the note is about, for people: "packet 41 (node1 / eth0)", "flow TCP a ⇄ b", "the capture set"... */
  readonly about: string;
  readonly text: string;
  readonly tag: string;
  readonly severity: NoteSeverity;
  /** ISO 8601. */
  readonly created: string;
  readonly updated: string;
  /** 'capture-comment': a pcapng packet comment, read-only. */
  readonly source: 'user' | 'capture-comment';
}

export interface NoteInput {
  readonly text: string;
  readonly tag: string;
  readonly severity: NoteSeverity;
}

/** What browser mode's upload endpoint (`POST /upload?name=...`, the file's bytes as the body) answers. */
export interface UploadReceipt {
  /** The id to pass to openCaptureFiles. */
  readonly upload: string;
  readonly name: string;
  readonly bytes: number;
}

export interface Attribution {
  readonly capture: number;
  readonly node: string | null;
  readonly iface: string | null;
}

// ---------------------------------------------------------------------------------------------
// The methods. Each takes at most one argument object.

export interface TunnelvisionApi {
  getState(): Promise<AppState>;
  /** Open files by path (command line, drag and drop, recent list). `append` keeps the current set. */
  openCaptures(args: { paths: string[]; append: boolean }): Promise<AppState>;
  /** Open files the UI uploaded first (browser mode's file picker and drop): the ids of their UploadReceipts. */
  openCaptureFiles(args: { uploads: string[]; append: boolean }): Promise<AppState>;
  /** Native open dialog (Electron); browser mode answers with state unchanged and the UI uses its own picker. */
  chooseCaptures(args: { append: boolean }): Promise<AppState>;
  /** Open a Parquet dataset directory (`tunnelvision export --parquet`) in place of the captures; fails naming what makes it no dataset. */
  openDataset(args: { path: string }): Promise<AppState>;
  /** Native folder dialog for a dataset (Electron); browser mode answers with state unchanged and the UI asks for a path. */
  chooseDataset(): Promise<AppState>;
  cancelLoad(): Promise<AppState>;
  setAttribution(args: Attribution): Promise<AppState>;
  /** Replaces the "decode as" table; the set is read again with it (and the session remembers it). */
  setDecodeAs(args: { entries: DecodeAsView[] }): Promise<AppState>;
  /** The read limits in force and their defaults. */
  getLimits(): Promise<LimitsState>;
  /** Replaces the read limits (remembered for this user); they apply from the next open of a set, or at once with `reload` (the open set is read again). */
  setLimits(args: LimitsView & { reload: boolean }): Promise<LimitsState>;
  getGraph(): Promise<GraphView>;
  queryPackets(args: PacketQuery & { locate: number }): Promise<PacketPage>;
  getPacket(args: { no: number }): Promise<PacketDetail | null>;
  followPacket(args: { no: number }): Promise<FollowView | null>;
  followFlow(args: { flow: string }): Promise<FollowView | null>;
  /** Flows whose packets pass a graph element (a link, a pod, an interface...), busiest first. */
  flowsThrough(args: { element: string }): Promise<FlowListItem[]>;
  exportPcapng(args: { selection: ExportSelection }): Promise<ExportResult>;
  /** The investigation report (captures, cluster graph, flows, findings, notes) in one of the report formats. */
  exportReport(args: { format: ReportFormat }): Promise<ExportResult>;
  /** Every note of the open set (the user's and the captures' own packet comments), oldest first. */
  listNotes(): Promise<NoteView[]>;
  /** The display filter the user applied, for the session to bring back when the set is opened again. */
  rememberFilter(args: { filter: string }): Promise<void>;
  /** Adds a note; it is saved in the session file at once (atomically). */
  addNote(args: { target: NoteTarget } & NoteInput): Promise<NoteView>;
  updateNote(args: { id: string } & NoteInput): Promise<NoteView>;
  removeNote(args: { id: string }): Promise<boolean>;
}

export type MethodName = keyof TunnelvisionApi;
export type MethodArgs<M extends MethodName> = Parameters<TunnelvisionApi[M]>;
export type MethodResult<M extends MethodName> = Awaited<ReturnType<TunnelvisionApi[M]>>;

// ---------------------------------------------------------------------------------------------
// Argument validation (shared by the IPC handlers and the HTTP server).

export class ContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractError';
  }
}

const MAX_PATHS = 256;
const MAX_PATH_LEN = 4096;
const MAX_FILTER_LEN = 4096;
const MAX_NAME_LEN = 256;
const MAX_PAGE = 2000;
/** The longest note and tag (the session file accepts the same). */
export const MAX_NOTE_TEXT = 100_000;
export const MAX_NOTE_TAG = 200;
/** Upper bound of one uploaded file (browser mode streams it to disk: nothing else limits it). */
export const MAX_UPLOAD_BYTES = 2 * 1024 * 1024 * 1024;
/** Upload ids: what the upload endpoint hands out. */
const UPLOAD_ID = /^[0-9a-f]{32}$/;

type Check = (v: unknown, where: string) => void;

function fail(where: string, what: string): never {
  throw new ContractError(`${where}: ${what}`);
}
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const str =
  (max: number, allowEmpty = true): Check =>
  (v, w) => {
    if (typeof v !== 'string') fail(w, 'expected a string');
    if (v.length > max) fail(w, `longer than ${max} characters`);
    if (!allowEmpty && v.length === 0) fail(w, 'must not be empty');
    if (/[\u0000]/.test(v)) fail(w, 'contains a NUL character');
  };
const nullable =
  (c: Check): Check =>
  (v, w) => {
    if (v !== null) c(v, w);
  };
const int =
  (min: number, max: number): Check =>
  (v, w) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) fail(w, 'expected an integer');
    if (v < min || v > max) fail(w, `out of range ${min}..${max}`);
  };
const bool: Check = (v, w) => {
  if (typeof v !== 'boolean') fail(w, 'expected true or false');
};
const oneOf =
  (values: readonly string[]): Check =>
  (v, w) => {
    if (typeof v !== 'string' || !values.includes(v)) fail(w, `expected one of ${values.join(', ')}`);
  };
const arrayOf =
  (c: Check, max: number, min = 0): Check =>
  (v, w) => {
    if (!Array.isArray(v)) fail(w, 'expected an array');
    if (v.length > max) fail(w, `more than ${max} items`);
    if (v.length < min) fail(w, `fewer than ${min} items`);
    v.forEach((x, i) => c(x, `${w}[${i}]`));
  };
const uploadId: Check = (v, w) => {
  if (typeof v !== 'string' || !UPLOAD_ID.test(v)) fail(w, 'expected an upload id');
};
const object =
  (shape: Record<string, Check>): Check =>
  (v, w) => {
    if (!isObj(v)) fail(w, 'expected an object');
    for (const k of Object.keys(v)) if (!Object.hasOwn(shape, k)) fail(w, `unexpected field "${k}"`);
    for (const [k, c] of Object.entries(shape)) c(v[k], `${w}.${k}`);
  };
const union =
  (tagField: string, variants: Record<string, Record<string, Check>>): Check =>
  (v, w) => {
    if (!isObj(v)) fail(w, 'expected an object');
    const tag = v[tagField];
    if (typeof tag !== 'string' || !Object.hasOwn(variants, tag)) fail(w, `unknown ${tagField}`);
    object({ [tagField]: () => undefined, ...variants[tag] })(v, w);
  };

const path = str(MAX_PATH_LEN, false);
const filterText = str(MAX_FILTER_LEN);
const elementId = nullable(str(MAX_NAME_LEN));
const packetNo = int(1, 2 ** 32);
const flowId = str(MAX_NAME_LEN, false);
const noteId = str(MAX_NAME_LEN, false);
const limitValue = int(1, Number.MAX_SAFE_INTEGER);
const noteInput = { text: str(MAX_NOTE_TEXT), tag: str(MAX_NOTE_TAG), severity: oneOf(NOTE_SEVERITIES) };
const noteTarget = union('kind', {
  set: {},
  packet: { no: packetNo },
  flow: { flow: flowId },
  hop: { flow: flowId, journey: str(MAX_NAME_LEN, false), hop: int(0, 1_000_000), no: packetNo },
  element: { element: str(MAX_NAME_LEN, false) },
});

/** Validators of each method's argument list (all methods take zero or one argument object). */
export const METHODS: { readonly [M in MethodName]: readonly Check[] } = {
  getState: [],
  openCaptures: [object({ paths: arrayOf(path, MAX_PATHS, 1), append: bool })],
  openCaptureFiles: [object({ uploads: arrayOf(uploadId, MAX_PATHS, 1), append: bool })],
  chooseCaptures: [object({ append: bool })],
  openDataset: [object({ path })],
  chooseDataset: [],
  cancelLoad: [],
  setAttribution: [object({ capture: int(0, 1_000_000), node: nullable(str(MAX_NAME_LEN)), iface: nullable(str(MAX_NAME_LEN)) })],
  setDecodeAs: [object({ entries: arrayOf(object({ layer: oneOf(['udp', 'tcp']), port: int(0, 65535), proto: str(32, false) }), 64) })],
  getLimits: [],
  setLimits: [object({ maxBytes: limitValue, maxPackets: limitValue, maxMemoryBytes: limitValue, reload: bool })],
  getGraph: [],
  queryPackets: [
    object({
      filter: filterText,
      element: elementId,
      sort: oneOf(PACKET_COLUMNS),
      descending: bool,
      offset: int(0, 2 ** 32),
      limit: int(0, MAX_PAGE),
      locate: int(0, 2 ** 32),
    }),
  ],
  getPacket: [object({ no: packetNo })],
  followPacket: [object({ no: packetNo })],
  followFlow: [object({ flow: flowId })],
  flowsThrough: [object({ element: str(MAX_NAME_LEN, false) })],
  exportPcapng: [
    object({
      selection: union('kind', {
        filter: { filter: filterText, element: elementId },
        flow: { flow: flowId },
        journey: { flow: flowId, journey: str(MAX_NAME_LEN, false) },
      }),
    }),
  ],
  exportReport: [object({ format: oneOf(REPORT_FORMATS) })],
  listNotes: [],
  rememberFilter: [object({ filter: filterText })],
  addNote: [object({ target: noteTarget, ...noteInput })],
  updateNote: [object({ id: noteId, ...noteInput })],
  removeNote: [object({ id: noteId })],
};

export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(METHODS, name);
}

/** Throws ContractError unless `args` is a valid argument list for `method`. */
export function validateArgs<M extends MethodName>(method: M, args: unknown): asserts args is MethodArgs<M> {
  const checks = METHODS[method];
  if (!Array.isArray(args)) fail(method, 'arguments must be a list');
  if (args.length !== checks.length) fail(method, `expected ${checks.length} argument(s), got ${args.length}`);
  checks.forEach((c, i) => c(args[i], `${method} argument ${i + 1}`));
}

/**
 * An object with a function for each of `names` that hands its name and arguments to `call`. The
 * preload (IPC), the browser-mode client (HTTP), the backend's worker client and the shells build
 * their side of the contract this way from one list, so none can leave a method out.
 */
export function forwarders<Api, M extends keyof Api & string>(
  names: readonly M[],
  call: (method: M, args: unknown[]) => Promise<unknown>,
): Pick<Api, M> {
  const out: Partial<Record<M, (...args: unknown[]) => Promise<unknown>>> = {};
  for (const m of names) out[m] = (...args: unknown[]) => call(m, args);
  // Sound by construction: each name of M got a function that passes its arguments on unchanged.
  return out as unknown as Pick<Api, M>;
}

/** The whole contract, every method of METHODS forwarded to `call` (METHODS has a key for each method, or the contract does not compile). */
export const forwardContract = (call: (method: MethodName, args: unknown[]) => Promise<unknown>): TunnelvisionApi =>
  forwarders<TunnelvisionApi, MethodName>(METHOD_NAMES, call);

/** Electron IPC channel of a method. */
export const channelOf = (method: MethodName): string => `tunnelvision:${method}`;

// ---------------------------------------------------------------------------------------------
// Events: what the backend pushes to the UI, so that the UI never polls. The desktop shell sends
// each event on its IPC channel (`eventChannelOf`) to the window; browser mode streams them as
// server-sent events on `GET /events` (one `event:` line with the name, one `data:` line with the
// wire-encoded payload). The preload and the browser client both offer them as `TunnelvisionEvents`.

/** Each event's payload. */
export interface EventPayloads {
  /** The application state, after every change (while reading, progress at most every few hundred ms). */
  state: AppState;
}
export type EventName = keyof EventPayloads;
/** Every event, once (the type system makes the list complete). */
const EVENT_SET: { readonly [E in EventName]: true } = { state: true };
export const EVENT_NAMES = Object.keys(EVENT_SET) as EventName[];
export const isEventName = (v: unknown): v is EventName => typeof v === 'string' && Object.hasOwn(EVENT_SET, v);
/** Electron IPC channel of an event (main to the window). */
export const eventChannelOf = (event: EventName): string => `tunnelvision:event:${event}`;

export interface TunnelvisionEvents {
  /** Calls `listener` with each `event` from now on (a source that knows the current value sends it first); returns the function that stops it. */
  subscribe<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
}

// ---------------------------------------------------------------------------------------------
// The desktop shell's extras: what only Electron's preload offers beside the contract.

/** Menu commands the UI carries out itself (main sends them to the window; the renderer has a handler for each). */
export const MENU_COMMANDS = ['export-pcapng', 'export-report'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];
export const MENU_CHANNEL = 'tunnelvision:menu';
export const isMenuCommand = (v: unknown): v is MenuCommand => typeof v === 'string' && (MENU_COMMANDS as readonly string[]).includes(v);

export interface DesktopExtras {
  /** The path of a file dropped on the window. */
  pathForFile(file: File): string;
  /** Calls `listener` with each menu command; returns the function that stops it. */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
}

// ---------------------------------------------------------------------------------------------
// Wire format of browser mode: JSON, with byte arrays as {"$bytes": base64}.

export function encodeWire(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? { $bytes: toBase64(v) } : v));
}

export function decodeWire(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) =>
    isObj(v) && typeof v.$bytes === 'string' && Object.keys(v).length === 1 ? fromBase64(v.$bytes) : v,
  );
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

export function toBase64(b: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 3 * 4096;
  for (let start = 0; start < b.length; start += CHUNK) {
    const end = Math.min(b.length, start + CHUNK);
    let s = '';
    for (let i = start; i < end; i += 3) {
      const n = (b[i] << 16) | ((i + 1 < end ? b[i + 1] : 0) << 8) | (i + 2 < end ? b[i + 2] : 0);
      s += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < end ? B64[(n >> 6) & 63] : '=') + (i + 2 < end ? B64[n & 63] : '=');
    }
    parts.push(s);
  }
  return parts.join('');
}

export function fromBase64(s: string): Uint8Array {
  const clean = s.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < clean.length; i++) {
    const c = clean.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c] : -1;
    if (v < 0) throw new ContractError('bad base64 data');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}
