// The same end-to-end scenario in the desktop shell, through Playwright's Electron driver. Runs
// wherever Electron's runtime is installed (the postinstall step downloads it) and a display is there
// to open its window; elsewhere it is skipped, counted as skipped, and says so loudly.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { electronBinary } from '../../main/cli/start';
import { demoCaptures } from '../../main/server/browser-mode';
import { captureCopies, describeNeeding, unmet, type CaptureCopies, type Requirement } from '../tools';
import type { MenuItemId } from '../../main/app/menu';
import { RESULTS, ROOT, corruptFiles, labNeed, runMenuCommands, runScenario, type CorruptFile } from './scenario';

const bin = electronBinary();
const runtime: Requirement = {
  what: "Electron's runtime (node_modules/electron has no binary: its download failed at npm install; `node scripts/electron-runtime.mjs` tries again)",
  present: bin !== null,
};
const display: Requirement = {
  what: 'a display for the window (DISPLAY or WAYLAND_DISPLAY; run the tests under xvfb-run)',
  present: process.platform !== 'linux' || !!(process.env.DISPLAY || process.env.WAYLAND_DISPLAY),
};
const why = unmet(runtime, display, labNeed);
if (why)
  console.warn(`\n*** SKIPPED: Electron end-to-end test: ${why}. The same scenario runs in browser mode (test/e2e/browser.test.ts). ***\n`);

describeNeeding([runtime, display, labNeed], 'desktop shell end to end (Electron)', () => {
  let app: ElectronApplication;
  let dir: string;
  let lab: CaptureCopies;
  beforeAll(async () => {
    mkdirSync(RESULTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'tv-electron-'));
    // The app in out/ is built by the global setup (test/app-build.setup.ts), as `npm start` builds it.
    lab = captureCopies(demoCaptures());
    app = await _electron.launch({
      executablePath: bin!,
      args: [ROOT, '--', ...lab.files],
      env: { ...process.env, XDG_CONFIG_HOME: dir },
    });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
    lab?.dispose();
  });

  it('opens the demo set, shows the cluster, decodes VXLAN, filters, follows a flow, survives corrupt files; the menu exports and adds captures', async () => {
    const page = await app.firstWindow();
    await page.setViewportSize({ width: 1280, height: 800 });
    // The Add button opens the native dialog: answer it from the main process with files on disk.
    const addFiles = async (_p: Page, files: CorruptFile[]) => {
      const paths = files.map((f) => {
        const p = join(dir, f.name);
        writeFileSync(p, f.buffer);
        return p;
      });
      await app.evaluate(({ dialog }, chosen) => {
        dialog.showOpenDialog = async () => ({ canceled: false, filePaths: chosen });
      }, paths);
      await page.locator('[data-testid=add]').click();
    };
    const { files, cutPackets } = corruptFiles();
    await runScenario(page, { prefix: 'electron', corruptFiles: files, corruptCut: cutPackets, addFiles });

    // The application menu, its items clicked in the main process. Save dialogs answer with a file in
    // the scratch folder; the open dialog with one more capture.
    const extra = join(dir, 'menu-node9-eth0.pcap');
    copyFileSync(demoCaptures()[0], extra);
    await app.evaluate(
      ({ dialog }, [folder, chosen]) => {
        dialog.showSaveDialog = async (...a: unknown[]) => {
          const opts = a.at(-1) as { defaultPath?: string };
          return { canceled: false, filePath: `${folder}/${(opts.defaultPath ?? 'export').split('/').pop()}` };
        };
        dialog.showOpenDialog = async () => ({ canceled: false, filePaths: [chosen] });
      },
      [dir, extra],
    );
    const menu = async (id: MenuItemId) => {
      const found = await app.evaluate(({ Menu }, item) => {
        const entry = Menu.getApplicationMenu()?.getMenuItemById(item);
        entry?.click();
        return !!entry;
      }, id);
      expect(found, id).toBe(true);
    };
    await runMenuCommands(page, { prefix: 'electron', menu, extra });
  }, 300_000);
});
