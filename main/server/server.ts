// Browser mode: the built renderer and the UI contract over HTTP, on 127.0.0.1 only, guarded by a
// random per-run token. The page is opened as http://127.0.0.1:PORT/?token=T; that first request
// sets an HttpOnly, SameSite=Strict cookie so the page's own scripts and styles load, and API calls
// carry the token in a header. Anything without the token is refused (403), as is any request
// whose Host is not this server (DNS rebinding) or whose Origin is another site.
//
//   GET  /?token=T              index.html (+ cookie)
//   GET  /assets/...            built renderer files (cookie)
//   POST /api/<method>          body: wire-encoded argument list; answer: wire-encoded result
//   GET  /download/<id>/<name>  an export offered as a download (cookie)
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { ContractError, decodeWire, encodeWire, isMethodName, validateArgs, type TunnelvisionApi } from '../../common/contract';
import { SECURITY_HEADERS } from './csp';

export const TOKEN_HEADER = 'x-tunnelvision-token';
const COOKIE = 'tunnelvision_token';
/** Largest API request body (uploads of captures in browser mode). */
const MAX_BODY = 1024 * 1024 * 1024;

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

export interface ServerOptions {
  /** The contract implementation (usually shellApi over the backend worker). */
  api: TunnelvisionApi;
  /** Folder of the built renderer (out/renderer). */
  rendererDir: string;
  port?: number;
  /** Fixed token (tests); random otherwise. */
  token?: string;
}

export interface RunningServer {
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  readonly server: Server;
  /** Registers a file to offer as a download; returns its URL path. */
  offerDownload(file: string, name: string): string;
  close(): Promise<void>;
}

function safeEqual(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return undefined;
}

function send(res: ServerResponse, status: number, body: string | Buffer, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new ContractError('request too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const downloads = new Map<string, { file: string; name: string }>();
  let origin = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const host = req.headers.host ?? '';
    if (host !== new URL(origin).host && host !== `localhost:${new URL(origin).port}`) return send(res, 403, 'wrong host\n');
    const fromOrigin = req.headers.origin;
    if (fromOrigin !== undefined && fromOrigin !== origin && fromOrigin !== `http://localhost:${new URL(origin).port}`) return send(res, 403, 'cross-origin request refused\n');

    const queryOk = safeEqual(url.searchParams.get('token') ?? undefined, token);
    const headerOk = safeEqual(req.headers[TOKEN_HEADER] as string | undefined, token);
    const cookieOk = safeEqual(cookieToken(req), token);

    if (url.pathname.startsWith('/api/')) {
      if (!headerOk) return send(res, 403, 'missing or wrong token\n');
      if (req.method !== 'POST') return send(res, 405, 'POST only\n');
      const method = url.pathname.slice(5);
      if (!isMethodName(method)) return send(res, 404, 'no such method\n');
      let args: unknown;
      try {
        args = decodeWire(await readBody(req));
        validateArgs(method, args);
      } catch (e) {
        return send(res, 400, encodeWire({ error: e instanceof Error ? e.message : String(e) }), 'application/json');
      }
      try {
        const fn = opts.api[method] as (...a: unknown[]) => Promise<unknown>;
        const result = await fn.apply(opts.api, args as unknown[]);
        return send(res, 200, encodeWire({ result }), 'application/json');
      } catch (e) {
        return send(res, 500, encodeWire({ error: e instanceof Error ? e.message : String(e) }), 'application/json');
      }
    }

    if (!queryOk && !cookieOk) return send(res, 403, 'Open the address printed by `npm start` (it carries the access token).\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'GET only\n');
    const setCookie = queryOk && !cookieOk ? { 'Set-Cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/` } : undefined;

    if (url.pathname.startsWith('/download/')) {
      const id = url.pathname.split('/')[2] ?? '';
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

    const rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = normalize(join(opts.rendererDir, rel));
    if (!file.startsWith(normalize(opts.rendererDir) + sep) || !existsSync(file) || !statSync(file).isFile()) return send(res, 404, 'not found\n');
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': String(statSync(file).size), ...setCookie });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, `${e instanceof Error ? e.message : String(e)}\n`);
      else res.destroy();
    });
  });
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  let downloadsMade = 0;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    server,
    offerDownload(file, name) {
      const id = `${++downloadsMade}-${randomBytes(6).toString('hex')}`;
      downloads.set(id, { file, name });
      return `/download/${id}/${encodeURIComponent(name)}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
