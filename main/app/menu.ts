// The application menu: File (open, recent, export, quit), View, Help.
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  openCaptures(): void;
  addCaptures(): void;
  openRecent(path: string): void;
  exportPcapng(): void;
  exportReport(): void;
  quit(): void;
  about(): void;
}

export function menuTemplate(actions: MenuActions, recent: readonly string[], isMac: boolean): MenuItemConstructorOptions[] {
  const base = (p: string) => p.split(/[\\/]/).pop() ?? p;
  return [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        { label: 'Open captures...', accelerator: 'CmdOrCtrl+O', click: () => actions.openCaptures() },
        { label: 'Add captures...', accelerator: 'CmdOrCtrl+Shift+O', click: () => actions.addCaptures() },
        {
          label: 'Open recent',
          submenu: recent.length
            ? recent.map((p) => ({ label: base(p), sublabel: p, click: () => actions.openRecent(p) }))
            : [{ label: 'No recent captures', enabled: false }],
        },
        { type: 'separator' },
        { label: 'Export report...', accelerator: 'CmdOrCtrl+R', click: () => actions.exportReport() },
        { label: 'Export packets as pcapng...', accelerator: 'CmdOrCtrl+E', click: () => actions.exportPcapng() },
        { type: 'separator' },
        { label: 'Quit', accelerator: 'CmdOrCtrl+Q', click: () => actions.quit() },
      ],
    },
    {
      label: '&View',
      submenu: [
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { label: '&Help', submenu: [{ label: 'About Tunnelvision', click: () => actions.about() }] },
  ];
}
