// PDF through Chromium's printing, for the CLI and browser mode (the Electron app prints the same HTML
// with webContents.printToPDF). Headless Chromium loads the report HTML with every network request
// refused: the report is self-contained, so nothing is lost and nothing can leak.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/** Flags for a headless, offline, sandbox-less (root, containers) Chromium. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
];

/** Distribution paths of Chromium; TUNNELVISION_CHROMIUM overrides. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

export function findChromium(): string | null {
  const env = process.env.TUNNELVISION_CHROMIUM;
  if (env) return existsSync(env) ? env : null;
  return CANDIDATES.find((p) => existsSync(p)) ?? null;
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) {
    throw new Error('PDF export needs Chromium: install it (Debian: apt-get install chromium) or set TUNNELVISION_CHROMIUM to its path');
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
}

export interface PdfResult {
  pdf: Uint8Array;
  /** Requests the page tried to make (all refused). A report makes none. */
  blockedRequests: string[];
}

/** Prints report HTML to an A4 PDF with headless Chromium. */
export async function renderPdf(html: string, opts: { browser?: Browser } = {}): Promise<PdfResult> {
  const browser = opts.browser ?? (await launchChromium());
  const blockedRequests: string[] = [];
  try {
    const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
    try {
      const page = await context.newPage();
      await page.route('**/*', (route) => {
        blockedRequests.push(route.request().url());
        return route.abort('blockedbyclient');
      });
      await page.setContent(html, { waitUntil: 'load' });
      await page.emulateMedia({ media: 'print' });
      const pdf = await page.pdf({
        format: 'A4',
        printBackground: true,
        margin: { top: '14mm', bottom: '14mm', left: '12mm', right: '12mm' },
      });
      return { pdf: new Uint8Array(pdf), blockedRequests };
    } finally {
      await context.close();
    }
  } finally {
    if (!opts.browser) await browser.close();
  }
}
