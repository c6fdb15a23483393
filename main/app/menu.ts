// The application menu: File (open captures or a dataset, recent, export, quit), View, Help. `menuTemplate` lays it out,
// each item carrying the name of its action as its id; `menuActions` says what each action does,
// through the contract (opening captures) or by handing a typed command to the window (exports,
// which the UI carries out with the list's current filter).
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand, TunnelvisionApi } from '../../common/contract';

export interface MenuActions {
  openCaptures(): void;
  addCaptures(): void;
  openDataset(): void;
  openRecent(path: string): void;
  exportPcapng(): void;
  exportReport(): void;
  quit(): void;
  about(): void;
}
/** A menu item's id: its action's name (`openRecent:N` for the Nth recent set). */
export type MenuItemId = keyof MenuActions | `openRecent:${number}`;

export function menuTemplate(actions: MenuActions, recent: readonly string[], isMac: boolean): MenuItemConstructorOptions[] {
  const base = (p: string) => p.split(/[\\/]/).pop() ?? p;
  const item = (id: MenuItemId, label: string, accelerator: string | undefined, click: () => void): MenuItemConstructorOptions => ({
    id,
    label,
    accelerator,
    click,
  });
  return [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        item('openCaptures', 'Open captures...', 'CmdOrCtrl+O', () => actions.openCaptures()),
        item('addCaptures', 'Add captures...', 'CmdOrCtrl+Shift+O', () => actions.addCaptures()),
        item('openDataset', 'Open dataset...', 'CmdOrCtrl+Alt+O', () => actions.openDataset()),
        {
          label: 'Open recent',
          submenu: recent.length
            ? recent.map((p, i) => ({ ...item(`openRecent:${i}`, base(p), undefined, () => actions.openRecent(p)), sublabel: p }))
            : [{ label: 'No recent captures', enabled: false }],
        },
        { type: 'separator' },
        item('exportReport', 'Export report...', 'CmdOrCtrl+R', () => actions.exportReport()),
        item('exportPcapng', 'Export packets as pcapng...', 'CmdOrCtrl+E', () => actions.exportPcapng()),
        { type: 'separator' },
        item('quit', 'Quit', 'CmdOrCtrl+Q', () => actions.quit()),
      ],
    },
    {
      label: '&View',
      submenu: [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
    },
    { label: '&Help', submenu: [item('about', 'About Tunnelvision', undefined, () => actions.about())] },
  ];
}

/** What the menu acts on. */
export interface MenuDeps {
  readonly api: Pick<TunnelvisionApi, 'chooseCaptures' | 'chooseDataset' | 'openCaptures'>;
  /** Hands a command to the window's UI. */
  send(command: MenuCommand): void;
  /** The open set changed (the recent list with it): rebuild the menu. */
  changed(): void;
  /** An action failed (a file that cannot be opened...). */
  failed(error: unknown): void;
  quit(): void;
  about(): void;
}

export function menuActions(d: MenuDeps): MenuActions {
  const run = (p: Promise<unknown>) => {
    p.then(
      () => d.changed(),
      (e: unknown) => d.failed(e),
    );
  };
  return {
    openCaptures: () => run(d.api.chooseCaptures({ append: false })),
    addCaptures: () => run(d.api.chooseCaptures({ append: true })),
    openDataset: () => run(d.api.chooseDataset()),
    openRecent: (path) => run(d.api.openCaptures({ paths: [path], append: false })),
    exportPcapng: () => d.send('export-pcapng'),
    exportReport: () => d.send('export-report'),
    quit: () => d.quit(),
    about: () => d.about(),
  };
}

/** The item with this id in a template (searching submenus), or null. */
export function findMenuItem(template: readonly MenuItemConstructorOptions[], id: MenuItemId): MenuItemConstructorOptions | null {
  for (const it of template) {
    if (it.id === id) return it;
    const sub = Array.isArray(it.submenu) ? findMenuItem(it.submenu, id) : null;
    if (sub) return sub;
  }
  return null;
}
