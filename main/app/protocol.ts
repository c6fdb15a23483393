// How the desktop app serves its own page: from a custom `app://tunnelvision/` scheme (Electron's
// `protocol.handle`) instead of file://, so the page gets a real origin of its own, reads nothing
// but the built renderer folder, and file:// keeps no special powers (see fuses.ts). Kept free of
// Electron values (like window.ts) so tests assert it without an Electron runtime.
import { join, normalize, sep } from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'tunnelvision';
/** The address of the app's page. */
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** What `protocol.registerSchemesAsPrivileged` is given, before the app is ready. */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  // standard: relative URLs and an origin like http's; secure: treated like https (no mixed content).
  privileges: {
    standard: true,
    secure: true,
    supportFetchAPI: false,
    corsEnabled: false,
    allowServiceWorkers: false,
    bypassCSP: false,
    stream: false,
  },
} as const;

/**
 * The file of the built renderer a request of the app scheme asks for, or null (another host, a
 * path that leaves the folder, a URL that does not decode).
 */
export function appFileFor(requestUrl: string, rendererDir: string): string | null {
  let url: URL;
  let path: string;
  try {
    url = new URL(requestUrl);
    path = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null;
  const rel = path === '/' ? 'index.html' : path.replace(/^\/+/, '');
  const root = normalize(rendererDir);
  const file = normalize(join(root, rel));
  return file.startsWith(root.endsWith(sep) ? root : root + sep) ? file : null;
}

/**
 * The page to load: electron-vite's dev server (ELECTRON_RENDERER_URL, on this machine only) while
 * developing, never in a packaged app, where any URL set in the environment would get the preload.
 */
export function rendererUrl(isPackaged: boolean, env: Readonly<Record<string, string | undefined>>): string {
  const dev = env.ELECTRON_RENDERER_URL;
  if (isPackaged || !dev) return APP_URL;
  try {
    const u = new URL(dev);
    if (u.protocol === 'http:' && (u.hostname === 'localhost' || u.hostname === '127.0.0.1')) return dev;
  } catch {
    /* not a URL: the built page */
  }
  return APP_URL;
}
