// Reading a session file: structural validation with clear errors. A session that cannot be read is
// reported and left untouched on disk (never overwritten by an empty one).
import { decodeAsNames } from '../engine/decode';
import { MAX_NOTE_TAG, MAX_NOTE_TEXT } from '../../common/contract';
import {
  ANNOTATION_KINDS,
  SESSION_FORMAT,
  SESSION_VERSION,
  SEVERITIES,
  type Annotation,
  type AnnotationTarget,
  type DecodeAsEntry,
  type InterfaceAssignment,
  type SessionCapture,
  type SessionData,
} from './types';

export type SessionErrorCode = 'io' | 'bad-json' | 'bad-format' | 'newer-version' | 'bad-value';

export class SessionError extends Error {
  constructor(
    readonly code: SessionErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SessionError';
  }
}

/** Longest annotation text accepted (characters). */
export const MAX_ANNOTATION_TEXT = MAX_NOTE_TEXT;
export const MAX_TAG = MAX_NOTE_TAG;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A value from the file as an error shows it: JSON, cut short (a message never carries a whole file). */
function shown(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

function fail(where: string, what: string): never {
  throw new SessionError('bad-value', `${where}: ${what}`);
}
function str(o: Obj, k: string, where: string, optional = false): string | undefined {
  const v = o[k];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string') fail(where, `"${k}" must be a string`);
  return v;
}
function nat(o: Obj, k: string, where: string, optional = false): number | undefined {
  const v = o[k];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(where, `"${k}" must be a non-negative integer`);
  return v;
}
function arr(o: Obj, k: string, where: string): unknown[] {
  const v = o[k] ?? [];
  if (!Array.isArray(v)) fail(where, `"${k}" must be a list`);
  return v;
}

export function parseTarget(v: unknown, where: string): AnnotationTarget {
  if (!isObj(v)) fail(where, 'target must be an object');
  const kind = v.kind as AnnotationTarget['kind'];
  if (!ANNOTATION_KINDS.includes(kind)) fail(where, `unknown target kind ${shown(v.kind)}`);
  switch (kind) {
    case 'packet':
      return { kind, capture: str(v, 'capture', where)!, packet: nat(v, 'packet', where)! };
    case 'flow':
      return { kind, flow: str(v, 'flow', where)! };
    case 'hop': {
      // journey ids are numbers in the analysis; kept as text so a session outlives a re-analysis
      const journey = typeof v.journey === 'number' && Number.isSafeInteger(v.journey) ? String(v.journey) : str(v, 'journey', where)!;
      const t: AnnotationTarget = { kind, journey, hop: nat(v, 'hop', where)! };
      const capture = str(v, 'capture', where, true);
      const packet = nat(v, 'packet', where, true);
      return capture !== undefined && packet !== undefined ? { ...t, capture, packet } : t;
    }
    case 'element':
      return { kind, element: str(v, 'element', where)! };
    case 'set':
      return { kind };
  }
}

export function parseAnnotation(v: unknown, where: string): Annotation {
  if (!isObj(v)) fail(where, 'annotation must be an object');
  const severity = v.severity as Annotation['severity'];
  if (!SEVERITIES.includes(severity)) fail(where, `severity must be one of ${SEVERITIES.join(', ')}`);
  const text = str(v, 'text', where)!;
  if (text.length > MAX_ANNOTATION_TEXT) fail(where, `text is longer than ${MAX_ANNOTATION_TEXT} characters`);
  const tag = str(v, 'tag', where, true);
  if (tag !== undefined && tag.length > MAX_TAG) fail(where, `tag is longer than ${MAX_TAG} characters`);
  const source = v.source ?? 'user';
  if (source !== 'user' && source !== 'capture-comment') fail(where, 'source must be "user" or "capture-comment"');
  const a: Annotation = {
    id: str(v, 'id', where)!,
    target: parseTarget(v.target, where),
    text,
    severity,
    created: str(v, 'created', where)!,
    updated: str(v, 'updated', where)!,
    source,
  };
  return tag !== undefined ? { ...a, tag } : a;
}

function parseCapture(v: unknown, where: string): SessionCapture {
  if (!isObj(v)) fail(where, 'capture must be an object');
  const sha256 = str(v, 'sha256', where)!;
  if (!/^[0-9a-f]{64}$/.test(sha256)) fail(where, '"sha256" must be 64 hex digits');
  return { id: str(v, 'id', where)!, path: str(v, 'path', where)!, size: nat(v, 'size', where)!, sha256 };
}

function parseAssignment(v: unknown, where: string): InterfaceAssignment {
  if (!isObj(v)) fail(where, 'assignment must be an object');
  const a: InterfaceAssignment = {
    capture: str(v, 'capture', where)!,
    node: str(v, 'node', where)!,
    interface: str(v, 'interface', where)!,
  };
  const iface = nat(v, 'iface', where, true);
  const kind = str(v, 'kind', where, true);
  return { ...a, ...(iface !== undefined ? { iface } : {}), ...(kind !== undefined ? { kind } : {}) };
}

export function parseDecodeAs(v: unknown, where: string): DecodeAsEntry {
  if (!isObj(v)) fail(where, 'decode-as entry must be an object');
  const port = nat(v, 'port', where)!;
  if (port > 65535) fail(where, '"port" must be 0..65535');
  const layer = str(v, 'layer', where)!;
  if (layer !== 'udp' && layer !== 'tcp') fail(where, '"layer" must be udp or tcp');
  const proto = str(v, 'proto', where)!;
  const known = decodeAsNames();
  if (!known.includes(proto)) fail(where, `"proto" ${shown(proto)} is not one of ${known.join(', ')}`);
  return { layer, port, proto };
}

export function parseSession(text: string, file = 'session'): SessionData {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SessionError('bad-json', `${file} is not valid JSON (${(e as Error).message}); it was left as it is`);
  }
  if (!isObj(raw) || raw.format !== SESSION_FORMAT) throw new SessionError('bad-format', `${file} is not a Tunnelvision session file`);
  const version = nat(raw, 'version', file)!;
  if (version > SESSION_VERSION) {
    throw new SessionError(
      'newer-version',
      `${file} was written by a newer Tunnelvision (session format ${version}, this one reads ${SESSION_VERSION})`,
    );
  }
  const captures = arr(raw, 'captures', file).map((c, i) => parseCapture(c, `${file} captures[${i}]`));
  const ids = new Set(captures.map((c) => c.id));
  if (ids.size !== captures.length) fail(file, 'two captures have the same id');
  return {
    format: SESSION_FORMAT,
    version,
    savedAt: str(raw, 'savedAt', file)!,
    captures,
    assignments: arr(raw, 'assignments', file).map((a, i) => parseAssignment(a, `${file} assignments[${i}]`)),
    decodeAs: arr(raw, 'decodeAs', file).map((d, i) => parseDecodeAs(d, `${file} decodeAs[${i}]`)),
    filter: str(raw, 'filter', file, true) ?? '',
    annotations: arr(raw, 'annotations', file)
      .map((a, i) => parseAnnotation(a, `${file} annotations[${i}]`))
      .filter((a) => a.source === 'user'),
  };
}
