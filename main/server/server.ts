// Browser mode: the built renderer and the UI contract over HTTP, on 127.0.0.1 only, guarded by a
// random per-run token. The page is opened once as http://127.0.0.1:PORT/?token=T; that request
// sets an HttpOnly, SameSite=Strict cookie named after the port (cookies are not port-scoped: two
// servers must not overwrite each other's), and the page then drops the token from its address
// bar. Later requests carry the cookie; API calls and uploads also need an Origin of this server
// (or the token in a header, for scripts). Anything without the token is refused (403), as is any
// request whose Host is not this server (DNS rebinding) or whose Origin is another site.
//
//   GET  /?token=T              index.html (+ cookie)
//   GET  /assets/...            built renderer files (cookie)
//   POST /api/<method>          body: wire-encoded argument list; answer: wire-encoded result
//   POST /upload?name=N         body: the file's bytes, streamed to disk; answer: an UploadReceipt
//   GET  /download/<id>/<name>  an export offered as a download (cookie)
//   GET  /events                server-sent events: the backend's state after each change (cookie or header)
//
// Limits (ServerLimits): API bodies and uploads have a size limit and a limit on how many are
// received at once (503 past it), as do open event streams; headers and bodies time out, and paths
// given to openCaptures must be allowed by the FileAccess (403).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  decodeWire,
  encodeWire,
  EVENT_NAMES,
  isMethodName,
  MAX_UPLOAD_BYTES,
  validateArgs,
  type TunnelvisionApi,
  type TunnelvisionEvents,
} from '../../common/contract';
import { SECURITY_HEADERS } from './csp';
import type { FileAccess } from './access';
import { formatLimit, HttpError, Uploads } from './uploads';

export const TOKEN_HEADER = 'x-tunnelvision-token';
/** The token cookie's name: one per port, since a browser sends 127.0.0.1's cookies to every port. */
export const cookieName = (port: number): string => `tunnelvision_token_${port}`;

export interface ServerLimits {
  /** Largest upload (bytes); larger ones are refused with 413. */
  readonly maxUploadBytes: number;
  /** Uploads received at once; more are refused with 503 (Retry-After). */
  readonly maxUploads: number;
  /** Largest API request body (bytes). */
  readonly maxApiBytes: number;
  /** API bodies received at once. */
  readonly maxApiBodies: number;
  /** Time to receive a request's headers. */
  readonly headersTimeoutMs: number;
  /** Time to receive a whole request, body included (an upload of the largest size over a slow link). */
  readonly requestTimeoutMs: number;
  /** Longest pause inside a body before it is abandoned. */
  readonly bodyIdleMs: number;
  /** Event streams open at once (a tab holds one); more are refused with 503. */
  readonly maxEventStreams: number;
  /** A comment line is sent on an idle event stream this often, so a dead connection is noticed and closed. */
  readonly eventKeepAliveMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxUploadBytes: MAX_UPLOAD_BYTES,
  maxUploads: 2,
  maxApiBytes: 2 * 1024 * 1024,
  maxApiBodies: 16,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30 * 60_000,
  bodyIdleMs: 30_000,
  maxEventStreams: 8,
  eventKeepAliveMs: 25_000,
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** Content-Type of a file of the built renderer (served by browser mode and by the desktop app's scheme). */
export const contentTypeOf = (file: string): string => TYPES[extname(file)] ?? 'application/octet-stream';

export interface ServerOptions {
  /** The contract implementation (usually shellApi over the backend worker). */
  api: TunnelvisionApi;
  /** What is streamed on GET /events (usually the backend worker's events); without it, the endpoint is 404. */
  events?: TunnelvisionEvents;
  /** Folder of the built renderer (out/renderer). */
  rendererDir: string;
  port?: number;
  /** Fixed token (tests); random otherwise. */
  token?: string;
  /** Folder uploads are written to; without it, uploads are refused. */
  uploadDir?: string;
  /** Which paths openCaptures may open; without it, none (uploads only). */
  access?: FileAccess;
  limits?: Partial<ServerLimits>;
}

export interface RunningServer {
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  readonly server: Server;
  readonly limits: ServerLimits;
  /** Registers a file to offer as a download; returns its URL path. */
  offerDownload(file: string, name: string): string;
  /** The file an upload id stands for, or null. */
  uploaded(id: string): { path: string; name: string } | null;
  close(): Promise<void>;
}

function safeEqual(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  type = 'text/plain; charset=utf-8',
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

/** Answers an error as the API does ({"error": ...}); a body that was not read whole closes the connection. */
function sendError(req: IncomingMessage, res: ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  const unread = !req.complete;
  send(res, status, encodeWire({ error: message }), 'application/json', { ...(unread ? { Connection: 'close' } : {}), ...extra });
  if (unread) res.once('finish', () => req.destroy());
}

/** The declared body length, or null (chunked). Throws 413 when it is over `max`. */
function declaredLength(req: IncomingMessage, max: number, what: string): number | null {
  const h = req.headers['content-length'];
  if (h === undefined) return null;
  const n = Number(h);
  if (!Number.isSafeInteger(n) || n < 0) throw new HttpError(400, 'bad Content-Length');
  if (n > max) throw new HttpError(413, `${what} larger than the limit of ${formatLimit(max)}`);
  return n;
}

async function readBody(req: IncomingMessage, max: number, idleMs: number): Promise<string> {
  declaredLength(req, max, 'request');
  const chunks: Buffer[] = [];
  let size = 0;
  let idle: NodeJS.Timeout | null = null;
  const arm = () => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => req.destroy(new HttpError(408, `no data for ${idleMs / 1000} s`)), idleMs);
  };
  arm();
  try {
    for await (const chunk of req) {
      arm();
      size += (chunk as Buffer).length;
      if (size > max) throw new HttpError(413, `request larger than the limit of ${formatLimit(max)}`);
      chunks.push(chunk as Buffer);
    }
  } catch (e) {
    if (e instanceof HttpError) throw e;
    throw new HttpError(400, 'the request broke off');
  } finally {
    if (idle) clearTimeout(idle);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const downloads = new Map<string, { file: string; name: string }>();
  const uploads = opts.uploadDir ? new Uploads(opts.uploadDir, limits.maxUploadBytes) : null;
  let origin = '';
  let port = 0;
  let uploadsInFlight = 0;
  let apiBodiesInFlight = 0;
  let eventStreams = 0;
  const busy = (what: string) => new HttpError(503, `busy: ${what} are being received already; try again`);

  const callApi = async (req: IncomingMessage, res: ServerResponse, method: string): Promise<void> => {
    if (req.method !== 'POST') return send(res, 405, 'POST only\n');
    if (!isMethodName(method)) return sendError(req, res, 404, `no such method: ${method.slice(0, 64)}`);
    let args: unknown;
    if (apiBodiesInFlight >= limits.maxApiBodies) throw busy(`${limits.maxApiBodies} requests`);
    apiBodiesInFlight++;
    try {
      args = decodeWire(await readBody(req, limits.maxApiBytes, limits.bodyIdleMs));
    } catch (e) {
      if (e instanceof HttpError) throw e;
      throw new HttpError(400, 'the request body is not JSON');
    } finally {
      apiBodiesInFlight--;
    }
    try {
      validateArgs(method, args);
    } catch (e) {
      throw new HttpError(400, e instanceof Error ? e.message : String(e));
    }
    if (method === 'openCaptures' || method === 'openDataset') {
      const access = opts.access;
      const a = (args as [{ paths?: string[]; path?: string }])[0];
      const refused = (a.paths ?? [a.path ?? ''])
        .map((p) => (access ? access.refusal(p) : `${p}: not allowed: this server opens uploads only`))
        .find((r) => r !== null);
      if (refused) throw new HttpError(403, refused);
    }
    if (method === 'openCaptureFiles') {
      const unknown = (args as [{ uploads: string[] }])[0].uploads.find((id) => !uploads?.get(id));
      if (unknown) throw new HttpError(400, `no upload ${unknown}: upload the file first`);
    }
    let result: unknown;
    try {
      const fn = opts.api[method] as (...a: unknown[]) => Promise<unknown>;
      result = await fn.apply(opts.api, args as unknown[]);
    } catch (e) {
      return sendError(req, res, 500, e instanceof Error ? e.message : String(e));
    }
    return send(res, 200, encodeWire({ result }), 'application/json');
  };

  const receiveUpload = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (req.method !== 'POST') return send(res, 405, 'POST only\n');
    if (!uploads) throw new HttpError(404, 'this server takes no uploads');
    const name = url.searchParams.get('name');
    if (!name) throw new HttpError(400, 'name the uploaded file: /upload?name=...');
    declaredLength(req, limits.maxUploadBytes, `${name}:`);
    if (uploadsInFlight >= limits.maxUploads) throw busy(`${limits.maxUploads} uploads`);
    uploadsInFlight++;
    try {
      const receipt = await uploads.receive(req, name, limits.bodyIdleMs);
      return send(res, 200, encodeWire({ result: receipt }), 'application/json');
    } finally {
      uploadsInFlight--;
    }
  };

  /**
   * One event stream: every event of the contract as `event: <name>` and `data: <wire JSON>` (JSON
   * keeps a string's line breaks escaped, so one data line). The sources send the current state
   * first. A slow reader is sent only the latest payload of each event once it drains: state is a
   * whole snapshot, so nothing is lost and nothing piles up.
   */
  const streamEvents = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET') return send(res, 405, 'GET only\n');
    const events = opts.events;
    if (!events) throw new HttpError(404, 'this server streams no events');
    if (eventStreams >= limits.maxEventStreams) throw busy(`${limits.maxEventStreams} event streams`);
    eventStreams++;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write('retry: 1000\n\n');
    const waiting = new Map<string, string>();
    const write = (text: string) => res.write(text);
    res.on('drain', () => {
      for (const [name, text] of waiting) {
        waiting.delete(name);
        if (!write(text)) break;
      }
    });
    const stops = EVENT_NAMES.map((name) =>
      events.subscribe(name, (payload) => {
        const text = `event: ${name}\ndata: ${encodeWire(payload)}\n\n`;
        if (res.writableNeedDrain) waiting.set(name, text);
        else write(text);
      }),
    );
    const keepAlive = setInterval(() => res.writableNeedDrain || write(': keep-alive\n\n'), limits.eventKeepAliveMs);
    keepAlive.unref();
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      eventStreams--;
      clearInterval(keepAlive);
      for (const stop of stops) stop();
    };
    res.on('close', end);
    req.on('close', end);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return send(res, 403, 'wrong host\n');
    const fromOrigin = req.headers.origin;
    const sameOrigin = fromOrigin === origin || fromOrigin === `http://localhost:${port}`;
    if (fromOrigin !== undefined && !sameOrigin) return send(res, 403, 'cross-origin request refused\n');

    let url: URL;
    let pathname: string;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return send(res, 400, 'malformed URL\n');
    }

    const queryOk = safeEqual(url.searchParams.get('token') ?? undefined, token);
    const headerOk = safeEqual(req.headers[TOKEN_HEADER] as string | undefined, token);
    const cookieOk = safeEqual(cookieValue(req, cookieName(port)), token);

    if (pathname === '/events') {
      // An EventSource is a GET that sends no Origin from the page's own origin: the strict cookie
      // (never sent cross-site) or the header opens it, never the token in the query.
      if (!headerOk && !cookieOk) return sendError(req, res, 403, 'missing or wrong token');
      return streamEvents(req, res);
    }

    if (pathname.startsWith('/api/') || pathname === '/upload') {
      // The page's own calls carry the cookie and its Origin (a browser sends Origin with every POST);
      // scripts send the token in a header. The token in the query never opens the API.
      if (!headerOk && !(cookieOk && sameOrigin)) return sendError(req, res, 403, 'missing or wrong token');
      return pathname === '/upload' ? receiveUpload(req, res, url) : callApi(req, res, pathname.slice(5));
    }

    if (!queryOk && !cookieOk) return send(res, 403, 'Open the address printed by `npm start` (it carries the access token).\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'GET only\n');
    const setCookie =
      queryOk && !cookieOk ? { 'Set-Cookie': `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/` } : undefined;

    if (pathname.startsWith('/download/')) {
      const id = pathname.split('/')[2] ?? '';
      const d = downloads.get(id);
      if (!d || !existsSync(d.file)) return send(res, 404, 'no such download\n');
      const ascii = d.name.replace(/[^A-Za-z0-9._-]/g, '_');
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(statSync(d.file).size),
        'Content-Disposition': `attachment; filename="${ascii}"`,
      });
      createReadStream(d.file).pipe(res);
      return;
    }

    const rel = pathname === '/' ? 'index.html' : pathname.replace(/^\/+/, '');
    const file = normalize(join(opts.rendererDir, rel));
    if (!file.startsWith(normalize(opts.rendererDir) + sep) || !existsSync(file) || !statSync(file).isFile())
      return send(res, 404, 'not found\n');
    const type = contentTypeOf(file);
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(statSync(file).size), ...setCookie });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  };

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    (req, res) => {
      handle(req, res).catch((e: unknown) => {
        if (res.headersSent || res.destroyed) return void res.destroy();
        if (e instanceof HttpError) sendError(req, res, e.status, e.message, e.status === 503 ? { 'Retry-After': '1' } : {});
        else sendError(req, res, 500, e instanceof Error ? e.message : String(e));
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  let downloadsMade = 0;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    server,
    limits,
    offerDownload(file, name) {
      const id = `${++downloadsMade}-${randomBytes(6).toString('hex')}`;
      downloads.set(id, { file, name });
      return `/download/${id}/${encodeURIComponent(name)}`;
    },
    uploaded: (id) => uploads?.get(id) ?? null,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
