// The session: what an investigation remembers beside its captures. Plain data, JSON-serialisable,
// no Node or Electron types, so the renderer can import these types too (type-only).

export type Severity = 'info' | 'warning' | 'problem';
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'problem'];

export type AnnotationSource = 'user' | 'capture-comment';

/** What an annotation is about. `capture` is a SessionCapture.id; `packet` the 0-based packet number in that file. */
export type AnnotationTarget =
  | { kind: 'packet'; capture: string; packet: number }
  | { kind: 'flow'; flow: string }
  | {
      kind: 'hop';
      journey: string;
      hop: number;
      /** The packet seen at that hop, so the note survives a re-analysis that numbers journeys differently. */
      capture?: string;
      packet?: number;
    }
  | { kind: 'element'; element: string }
  | { kind: 'set' };

export type AnnotationKind = AnnotationTarget['kind'];
export const ANNOTATION_KINDS: readonly AnnotationKind[] = ['packet', 'flow', 'hop', 'element', 'set'];

export interface Annotation {
  readonly id: string;
  readonly target: AnnotationTarget;
  readonly text: string;
  readonly tag?: string;
  readonly severity: Severity;
  /** ISO 8601. */
  readonly created: string;
  readonly updated: string;
  readonly source: AnnotationSource;
}

export interface NewAnnotation {
  target: AnnotationTarget;
  text: string;
  tag?: string;
  severity?: Severity;
}

export type AnnotationPatch = Partial<Pick<Annotation, 'text' | 'tag' | 'severity'>>;

/** One capture file of the set, with what identifies its content. */
export interface SessionCapture {
  /** Stable key used by annotations: the file name, made unique within the set. */
  readonly id: string;
  /** Relative to the session file's folder (absolute when it cannot be made relative). */
  readonly path: string;
  readonly size: number;
  /** SHA-256 of the file's bytes, hex. */
  readonly sha256: string;
}

/** A user correction of which node and interface a capture (or one interface inside it) was taken on. */
export interface InterfaceAssignment {
  readonly capture: string;
  /** CaptureInterface.key inside a multi-interface pcapng; absent = the whole capture. */
  readonly iface?: number;
  readonly node: string;
  readonly interface: string;
  readonly kind?: string;
}

/** "Decode as" entry: traffic on this port of this layer is decoded as `proto`. */
export interface DecodeAsEntry {
  readonly layer: string;
  readonly port: number;
  readonly proto: string;
}

export const SESSION_FORMAT = 'tunnelvision-session';
export const SESSION_VERSION = 1;

/** The file's content. Capture-comment annotations are not stored: they are read from the captures. */
export interface SessionData {
  readonly format: typeof SESSION_FORMAT;
  readonly version: number;
  readonly savedAt: string;
  readonly captures: readonly SessionCapture[];
  readonly assignments: readonly InterfaceAssignment[];
  readonly decodeAs: readonly DecodeAsEntry[];
  readonly filter: string;
  readonly annotations: readonly Annotation[];
}

export type CaptureState = 'ok' | 'missing' | 'changed';

/** The result of comparing a session's capture with the file on disk now. */
export interface CaptureCheck {
  readonly capture: string;
  /** Absolute path checked. */
  readonly path: string;
  readonly state: CaptureState;
  readonly message: string;
  readonly expected: { size: number; sha256: string };
  readonly actual?: { size: number; sha256?: string };
}
