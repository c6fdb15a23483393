// The desktop menu's commands end to end, through the scenario helper the other end-to-end tests
// use: the menu built from main/app/menu.ts with the app's own actions (menuActions), its items
// clicked by id, against the real server, backend and UI in Debian's Chromium. The page gets a
// stand-in for the Electron preload's menu channel, so the UI runs its menu handlers as in the
// desktop shell; the Electron end-to-end test runs the same steps through Electron's own menu.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { isMenuCommand, type MenuCommand } from '../../common/contract';
import { shellApi } from '../../main/backend/shell';
import { findMenuItem, menuActions, menuTemplate, type MenuItemId } from '../../main/app/menu';
import { demoCaptures, startBrowserMode, type BrowserMode } from '../../main/server/browser-mode';
import { captureCopies, describeNeeding, type CaptureCopies } from '../tools';
import { CHROMIUM, CHROMIUM_ARGS, RESULTS, analysed, labNeed, runMenuCommands } from './scenario';

describeNeeding(['chromium', labNeed], 'desktop menu commands (browser mode, stand-in preload)', () => {
  let lab: CaptureCopies;
  let extra: string;
  let mode: BrowserMode;
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(RESULTS, { recursive: true });
    lab = captureCopies(demoCaptures());
    extra = lab.files[lab.files.length - 1];
    mode = await startBrowserMode({ files: lab.files.slice(0, -1) });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await mode?.close();
    lab?.dispose();
  });

  it('exports the report and the listed packets, and adds captures, from the menu', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // What the Electron preload gives the page for menu commands: a listener main's commands reach.
    await page.addInitScript(() => {
      const w = globalThis as unknown as { tunnelvisionDesktop: unknown; __menuListener?: (c: string) => void };
      w.tunnelvisionDesktop = {
        pathForFile: () => '',
        onMenuCommand(listener: (c: string) => void) {
          w.__menuListener = listener;
          return () => (w.__menuListener = undefined);
        },
      };
    });
    await page.goto(mode.url);
    await analysed(page);

    const sent: MenuCommand[] = [];
    const errors: unknown[] = [];
    // The shell's own contract, its dialog answering with one more capture.
    const api = shellApi(mode.backend, { chooseFiles: async () => [extra], deliverExport: async () => ({ kind: 'cancelled' }) }, RESULTS);
    const template = menuTemplate(
      menuActions({
        api,
        send: (command) => {
          sent.push(command);
          void page.evaluate((c) => (globalThis as unknown as { __menuListener(c: string): void }).__menuListener(c), command);
        },
        changed: () => undefined,
        failed: (e) => errors.push(e),
        quit: () => undefined,
        about: () => undefined,
      }),
      [],
      false,
    );
    const menu = async (id: MenuItemId) => {
      const item = findMenuItem(template, id);
      expect(item?.click, id).toBeTypeOf('function');
      item!.click!({} as never, undefined, {});
    };
    await runMenuCommands(page, { prefix: 'menu-browser', menu, extra });
    expect(sent).toEqual(['export-report', 'export-pcapng']);
    expect(sent.every(isMenuCommand)).toBe(true);
    expect(errors).toEqual([]);
  }, 300_000);
});
