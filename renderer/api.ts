// The contract as the UI sees it: the preload's functions in the desktop app, HTTP calls to the
// local server in browser mode. Components call `api.x()` and never know which shell they run in.
import { decodeWire, encodeWire, forwardContract, type DesktopExtras, type MethodName, type TunnelvisionApi } from '../common/contract';

declare global {
  interface Window {
    tunnelvision?: TunnelvisionApi;
    tunnelvisionDesktop?: DesktopExtras;
  }
}

function httpApi(token: string): TunnelvisionApi {
  const call = async (method: MethodName, args: unknown[]): Promise<unknown> => {
    const res = await fetch(`/api/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Tunnelvision-Token': token },
      body: encodeWire(args),
    });
    const text = await res.text();
    let body: { result?: unknown; error?: string };
    try {
      body = decodeWire(text) as typeof body;
    } catch {
      throw new Error(`${method}: ${res.status} ${text.slice(0, 200)}`);
    }
    if (!res.ok || body.error !== undefined) throw new Error(body.error ?? `${method}: HTTP ${res.status}`);
    return body.result;
  };
  return forwardContract(call);
}

function pickApi(): TunnelvisionApi {
  if (window.tunnelvision) return window.tunnelvision;
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  return httpApi(token);
}

export const api: TunnelvisionApi = pickApi();
export const desktop: DesktopExtras | null = window.tunnelvisionDesktop ?? null;
