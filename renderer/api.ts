// The contract as the UI sees it: the preload's functions in the desktop app, HTTP calls to the
// local server in browser mode. Components call `api.x()` and never know which shell they run in.
// The same for what the backend pushes: `events` is the preload's IPC channels in the desktop app
// and one EventSource on /events (server-sent events, authenticated by the page's cookie) in
// browser mode.
import {
  decodeWire,
  encodeWire,
  forwardContract,
  MAX_UPLOAD_BYTES,
  type DesktopExtras,
  type EventName,
  type MethodName,
  type TunnelvisionApi,
  type TunnelvisionEvents,
  type UploadReceipt,
} from '../common/contract';

declare global {
  interface Window {
    tunnelvision?: TunnelvisionApi;
    tunnelvisionEvents?: TunnelvisionEvents;
    tunnelvisionDesktop?: DesktopExtras;
  }
}

/** Reads a browser-mode answer: {"result": ...} or {"error": "..."}. */
async function answer(what: string, res: Response): Promise<unknown> {
  const text = await res.text();
  let body: { result?: unknown; error?: string };
  try {
    body = decodeWire(text) as typeof body;
  } catch {
    throw new Error(`${what}: ${res.status} ${text.slice(0, 200)}`);
  }
  if (!res.ok || body.error !== undefined) throw new Error(body.error ?? `${what}: HTTP ${res.status}`);
  return body.result;
}

// Browser mode authenticates the page by its cookie (set when the address with the token was
// opened); the token itself is taken out of the address bar and history on the first load.
function httpApi(): TunnelvisionApi {
  const call = async (method: MethodName, args: unknown[]): Promise<unknown> =>
    answer(
      method,
      await fetch(`/api/${method}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: encodeWire(args) }),
    );
  return forwardContract(call);
}

/**
 * Browser mode: sends files to the server one after the other, each streamed as its raw bytes,
 * and returns their upload ids for `openCaptureFiles`.
 */
export async function uploadFiles(files: readonly File[]): Promise<string[]> {
  const tooLarge = files.find((f) => f.size > MAX_UPLOAD_BYTES);
  if (tooLarge)
    throw new Error(
      `${tooLarge.name}: larger than the upload limit of ${MAX_UPLOAD_BYTES / 2 ** 30} GiB (start the app with the file's path instead)`,
    );
  const ids: string[] = [];
  for (const f of files) {
    const res = await fetch(`/upload?name=${encodeURIComponent(f.name)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: f,
    });
    ids.push(((await answer(`uploading ${f.name}`, res)) as UploadReceipt).upload);
  }
  return ids;
}

function pickApi(): TunnelvisionApi {
  if (window.tunnelvision) return window.tunnelvision;
  const url = new URL(window.location.href);
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
  }
  return httpApi();
}

/** The contract's events, plus whether they can arrive (browser mode's stream can be cut; IPC cannot). */
export interface WindowEvents extends TunnelvisionEvents {
  /** Calls `listener` with false when the stream is cut, true when it is back; returns the function that stops it. */
  onConnection(listener: (connected: boolean) => void): () => void;
}

/**
 * Browser mode's events: one EventSource, opened at the first subscription and shared by all
 * (EventSource reconnects by itself; the server sends the current state on each connection).
 */
function sseEvents(): WindowEvents {
  let source: EventSource | null = null;
  const connection = new Set<(connected: boolean) => void>();
  const open = (): EventSource => {
    const es = new EventSource('/events');
    es.addEventListener('open', () => connection.forEach((l) => l(true)));
    es.addEventListener('error', () => connection.forEach((l) => l(false)));
    return es;
  };
  return {
    onConnection(listener) {
      connection.add(listener);
      return () => void connection.delete(listener);
    },
    subscribe(event, listener) {
      source ??= open();
      const handler = (e: MessageEvent<string>) => {
        let payload: unknown;
        try {
          payload = decodeWire(e.data);
        } catch {
          return; // not ours: the server sends wire JSON only
        }
        // Sound: the server sends under each event name the payload of that event (main/server/server.ts).
        listener(payload as Parameters<typeof listener>[0]);
      };
      const name: EventName = event;
      source.addEventListener(name, handler);
      return () => source?.removeEventListener(name, handler);
    },
  };
}

export const api: TunnelvisionApi = pickApi();
const ipcEvents = (e: TunnelvisionEvents): WindowEvents => ({
  subscribe: (event, l) => e.subscribe(event, l),
  onConnection: () => () => undefined,
});
export const events: WindowEvents = window.tunnelvisionEvents ? ipcEvents(window.tunnelvisionEvents) : sseEvents();
export const desktop: DesktopExtras | null = window.tunnelvisionDesktop ?? null;
