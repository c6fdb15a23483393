// The main window's settings and the guards every web contents gets. Kept free of Electron values
// (type imports only) so tests assert them without an Electron runtime.
import type { BrowserWindowConstructorOptions, Event, HandlerDetails, WebContents } from 'electron';

export function windowOptions(preload: string, dark: boolean): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 800,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Tunnelvision',
    backgroundColor: dark ? '#1b1d22' : '#f6f7f9',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    },
  };
}

/** True when an IPC message comes from our own page in our own window (not a frame, not elsewhere). */
export function isTrustedSender(frameUrl: string | undefined, isMainFrame: boolean, appUrl: string): boolean {
  if (!frameUrl || !isMainFrame) return false;
  try {
    const got = new URL(frameUrl);
    const want = new URL(appUrl);
    return got.protocol === want.protocol && got.host === want.host && got.pathname === want.pathname;
  } catch {
    return false;
  }
}

type Guarded = Pick<WebContents, 'setWindowOpenHandler' | 'on'> & {
  session: {
    setPermissionRequestHandler: WebContents['session']['setPermissionRequestHandler'];
    setPermissionCheckHandler: WebContents['session']['setPermissionCheckHandler'];
  };
};

/**
 * The only sites a link may open in the system browser (`shell.openExternal`): documentation the
 * app points to. Anything else, a link found in a capture or a note included, opens nothing.
 */
export const EXTERNAL_ORIGINS: readonly string[] = ['https://www.wireshark.org', 'https://kubernetes.io', 'https://github.com'];

/** True when `url` is an https address on one of EXTERNAL_ORIGINS (no credentials, default port). */
export function isAllowedExternal(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && u.username === '' && u.password === '' && EXTERNAL_ORIGINS.includes(u.origin);
  } catch {
    return false;
  }
}

/** No new windows, no navigation away from the app, no webviews, no permissions (camera, geolocation...). */
export function guardContents(contents: Guarded, appUrl: string, openExternal: (url: string) => void): void {
  contents.setWindowOpenHandler((details: HandlerDetails) => {
    if (isAllowedExternal(details.url)) openExternal(details.url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event: Event, url: string) => {
    if (!isTrustedSender(url, true, appUrl)) event.preventDefault();
  });
  contents.on('will-redirect', (event: Event, url: string) => {
    if (!isTrustedSender(url, true, appUrl)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event: Event) => event.preventDefault());
  contents.session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  contents.session.setPermissionCheckHandler(() => false);
}
