// Electron main process: one window, the menu, dialogs, drag and drop (through the preload), files
// from the command line and a second launch, recent files. It only routes: captures are read and
// analysed in the backend's worker thread.
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeTheme, protocol, shell } from 'electron';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBackend } from '../backend/client';
import { LIMITS_ENV, limitsFromEnv } from '../engine/readers/budget';
import { shellApi } from '../backend/shell';
import { wiresharkPath } from '../backend/wireshark';
import { forwardEvents, registerIpc } from './ipc';
import { MENU_CHANNEL } from '../../common/contract';
import { menuActions, menuTemplate } from './menu';
import { guardContents, isAllowedExternal, windowOptions } from './window';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, appFileFor, rendererUrl } from './protocol';
import { CSP } from '../server/csp';
import { contentTypeOf } from '../server/server';

const here = fileURLToPath(new URL('.', import.meta.url));
const preload = join(here, '../preload/index.cjs');
const rendererDir = join(here, '../renderer');
/** The page: app://tunnelvision/index.html (electron-vite's dev server only in an unpackaged app). */
const appUrl = () => rendererUrl(app.isPackaged, process.env);

// The app's own scheme must be privileged before the app is ready.
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

const CAPTURE_FILTERS = [
  { name: 'Packet captures', extensions: ['pcap', 'pcapng', 'cap', 'gz'] },
  { name: 'All files', extensions: ['*'] },
];

/** Files named on the command line (after `--` when launched by `npm start`). */
function filesFromArgv(argv: string[]): string[] {
  const dash = argv.indexOf('--');
  const args = dash >= 0 ? argv.slice(dash + 1) : argv.slice(app.isPackaged ? 1 : 2);
  return args
    .filter((a) => !a.startsWith('-'))
    .map((a) => resolve(a))
    .filter((p) => existsSync(p));
}

let win: BrowserWindow | null = null;

if (!app.requestSingleInstanceLock()) app.quit();

const tempDir = join(app.getPath('temp'), `tunnelvision-${process.pid}`);
const backend = startBackend(
  {
    shell: 'electron',
    recentFile: join(app.getPath('userData'), 'recent.json'),
    limitsFile: join(app.getPath('userData'), 'limits.json'),
    tempDir,
    sessionDir: join(app.getPath('userData'), 'sessions'),
    limits: limitsFromEnv(process.env[LIMITS_ENV]),
  },
  join(here, 'backend-worker.js'),
);

const api = shellApi(
  backend,
  {
    async chooseFiles() {
      if (!win) return null;
      const r = await dialog.showOpenDialog(win, {
        title: 'Open captures',
        properties: ['openFile', 'multiSelections'],
        filters: CAPTURE_FILTERS,
      });
      return r.canceled ? null : r.filePaths;
    },
    async chooseFolder() {
      if (!win) return null;
      const r = await dialog.showOpenDialog(win, {
        title: 'Open dataset (a folder made by tunnelvision export --parquet)',
        properties: ['openDirectory'],
      });
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    async deliverExport(file, name, packets, kind) {
      const ws = kind === 'pcapng' ? wiresharkPath() : null;
      if (ws) {
        spawn(ws, [file], { detached: true, stdio: 'ignore' }).unref();
        return { kind: 'wireshark', path: file, packets };
      }
      if (!win) return { kind: 'cancelled' };
      const ext = name.split('.').pop() ?? 'pcapng';
      const r = await dialog.showSaveDialog(win, {
        title: kind === 'report' ? 'Save report' : 'Save packets as pcapng',
        defaultPath: name,
        filters: [{ name: ext, extensions: [ext] }],
      });
      if (r.canceled || !r.filePath) return { kind: 'cancelled' };
      copyFileSync(file, r.filePath);
      return { kind: 'saved', path: r.filePath, packets };
    },
    async printPdf(htmlFile, pdfFile) {
      // The report is self-contained and has no script: a hidden window with JavaScript off prints it.
      const printer = new BrowserWindow({
        show: false,
        webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false },
      });
      try {
        await printer.loadFile(htmlFile);
        writeFileSync(pdfFile, await printer.webContents.printToPDF({ pageSize: 'A4', printBackground: true }));
      } finally {
        printer.destroy();
      }
    },
  },
  tempDir,
);

const actions = menuActions({
  api,
  send: (command) => win?.webContents.send(MENU_CHANNEL, command),
  changed: () => void refreshMenu(),
  failed: (e) => dialog.showErrorBox('Tunnelvision', e instanceof Error ? e.message : String(e)),
  quit: () => app.quit(),
  about: () =>
    void dialog.showMessageBox({
      type: 'info',
      title: 'Tunnelvision',
      message: `Tunnelvision ${app.getVersion()}`,
      detail: 'Packet captures from Kubernetes clusters: every tunnel layer decoded, the cluster rebuilt, packets followed across nodes.',
    }),
});

let menuRecent: string | null = null;
async function refreshMenu(): Promise<void> {
  const state = await backend.getState().catch(() => null);
  setMenu(state?.recent ?? []);
}
function setMenu(recent: readonly string[]): void {
  menuRecent = JSON.stringify(recent);
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(actions, recent, process.platform === 'darwin')));
}

function createWindow(): void {
  // Its web contents are guarded by the 'web-contents-created' handler below, like any other.
  win = new BrowserWindow(windowOptions(preload, nativeTheme.shouldUseDarkColors));
  win.once('ready-to-show', () => win?.show());
  win.on('closed', () => (win = null));
  void win.loadURL(appUrl());
}

app.on('web-contents-created', (_e, contents) =>
  guardContents(contents, appUrl(), (url) => {
    if (isAllowedExternal(url)) void shell.openExternal(url);
  }),
);
app.on('second-instance', (_e, argv) => {
  const files = filesFromArgv(argv);
  if (files.length) void backend.openCaptures({ paths: files, append: false }).then(refreshMenu);
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  }
});
app.on('window-all-closed', () => app.quit());
// However the app ends (menu, Cmd+Q, last window), the backend first saves the session's last notes.
let saved = false;
app.on('before-quit', (e) => {
  if (saved) return;
  e.preventDefault();
  void backend.close().finally(() => {
    saved = true;
    app.quit();
  });
});
// Exports handed to Wireshark live in the temp folder until the app ends.
app.on('will-quit', () => rmSync(tempDir, { recursive: true, force: true }));

void app.whenReady().then(async () => {
  // The built renderer, and nothing else, under app://tunnelvision/.
  protocol.handle(APP_SCHEME, async (request) => {
    const file = appFileFor(request.url, rendererDir);
    if (!file) return new Response('not found', { status: 404 });
    try {
      return new Response(await readFile(file), {
        headers: { 'Content-Type': contentTypeOf(file), 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff' },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
  registerIpc(ipcMain, api, appUrl, () => win?.webContents.id ?? null);
  // The backend's state reaches the window as it changes; the menu's recent list follows it.
  forwardEvents(backend, (channel, payload) => win?.webContents.send(channel, payload));
  backend.subscribe('state', (s) => {
    if (JSON.stringify(s.recent) !== menuRecent) setMenu(s.recent);
  });
  createWindow();
  const files = filesFromArgv(process.argv);
  if (files.length) await backend.openCaptures({ paths: files, append: false }).catch(() => undefined);
  await refreshMenu();
});
