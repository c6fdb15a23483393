// What some tests need from outside the repository (system programs, the lab's captures, the public
// capture corpus beside it), found in one way, and the one way a test without it is skipped: counted
// as skipped by vitest, with the reason in its name (or in ctx.skip's note), never as a pass.
// `npm run setup:system` installs every program listed here (scripts/setup-system.sh).
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { describe, it, type TestContext } from 'vitest';
import { findChromium } from '../main/report/pdf';
import type { PacketQuery } from '../common/contract';

/** Programs the tests run, with the Debian package that brings each. */
const TOOLS = {
  tshark: 'tshark',
  editcap: 'wireshark-common',
  mergecap: 'wireshark-common',
  tcpdump: 'tcpdump',
  pdftoppm: 'poppler-utils',
  pdftotext: 'poppler-utils',
  etcd: 'etcd-server',
  etcdctl: 'etcd-client',
  tar: 'tar',
  zip: 'zip',
  /** Debian's Chromium, where the product looks for it (TUNNELVISION_CHROMIUM, /usr/bin/chromium...). */
  chromium: 'chromium',
} as const;
export type Tool = keyof typeof TOOLS;

/** Anything else a test may lack: `what` names it in the skip reason. */
export interface Requirement {
  readonly what: string;
  readonly present: boolean;
}
export type Need = Tool | Requirement;

const found = new Map<Tool, boolean>();

function onPath(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

export function hasTool(tool: Tool): boolean {
  let ok = found.get(tool);
  if (ok === undefined) {
    ok = tool === 'chromium' ? findChromium() !== null : onPath(tool);
    found.set(tool, ok);
  }
  return ok;
}

/** A file or folder the test reads (a capture set, the public corpus). */
export const fileNeed = (what: string, path: string): Requirement => ({ what: `${what} (${path})`, present: existsSync(path) });

/** Why the needs are not met ("tshark (apt: tshark; npm run setup:system)"), or null when they are. */
export function unmet(...needs: Need[]): string | null {
  const tools = needs.filter((n): n is Tool => typeof n === 'string' && !hasTool(n));
  const others = needs.filter((n): n is Requirement => typeof n !== 'string' && !n.present).map((n) => n.what);
  const parts: string[] = [];
  if (tools.length) {
    const pkgs = [...new Set(tools.map((t) => TOOLS[t]))].join(' ');
    parts.push(`${tools.join(', ')} not installed (apt: ${pkgs}; npm run setup:system)`);
  }
  if (others.length) parts.push(`${others.join(', ')} missing`);
  return parts.length ? parts.join('; ') : null;
}

/** A describe block that runs only where its needs are met; elsewhere every test in it is skipped, the reason in its name. */
export function describeNeeding(needs: Need[], name: string, body: () => void): void {
  const why = unmet(...needs);
  if (why) describe.skip(`${name} [SKIPPED: ${why}]`, body);
  else describe(name, body);
}

/** A test that runs only where its needs are met; elsewhere it is skipped, the reason in its name. */
export function itNeeding(needs: Need[], name: string, fn: (ctx: TestContext) => Promise<void> | void, timeout?: number): void {
  const why = unmet(...needs);
  if (why) it.skip(`${name} [SKIPPED: ${why}]`, fn, timeout);
  else it(name, fn, timeout);
}

/** Inside a test: skips the rest of it (counted as skipped) when a need is not met. */
export function skipUnless(ctx: TestContext, ...needs: Need[]): void {
  const why = unmet(...needs);
  if (why) ctx.skip(`SKIPPED: ${why}`);
}

/** Captures copied into a folder of their own (see `captureCopies`). */
export interface CaptureCopies {
  /** The temporary folder that holds the copies (and the session the app saves beside them). */
  readonly dir: string;
  /** The copies, in the order given, each with its original name. */
  readonly files: string[];
  /** Removes the folder. */
  dispose(): void;
}

/**
 * Copies of captures (the lab's, usually) in a new temporary folder, names kept, for a test that
 * opens them in the app: the app saves a set's session (filter, notes, node corrections) beside its
 * captures, so a test opening the committed files would leave its session in fixtures/ for the next
 * test that opens the same set. Same names give the same session name, so a test that reopens its
 * copies meets its own session again.
 */
export function captureCopies(files: readonly string[], prefix = 'tv-captures-'): CaptureCopies {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, files: copyCaptures(files, dir), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Copies captures into `into` (created when missing), names kept; the copies in the order given. See `captureCopies`. */
export function copyCaptures(files: readonly string[], into: string): string[] {
  const names = files.map((f) => basename(f));
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new Error(`copyCaptures: two captures named ${twice}`);
  mkdirSync(into, { recursive: true });
  return files.map((f) => {
    const to = join(into, basename(f));
    copyFileSync(f, to);
    return to;
  });
}

/** A query for the first page of the packet list under `filter`, in No. order (`more` overrides). */
export const pageQuery = (filter: string, more: Partial<PacketQuery> = {}): PacketQuery & { locate: number } => ({
  filter,
  element: null,
  sort: 'no',
  descending: false,
  offset: 0,
  limit: 50,
  locate: 0,
  ...more,
});
