// What the dataset tests open and ask alike: lab set a's captures, a backend as browser mode makes
// it, the captures and their whole-set export opened side by side, and a list query.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppState, PacketQuery } from '../../common/contract';
import type { Backend } from '../../main/backend/api';
import { createBackend } from '../../main/backend/backend';
import { exportDataset } from '../../main/dataset/export';
import { ready } from '../app/helpers';
import { captureCopies, type CaptureCopies } from '../tools';

export const LAB = 'fixtures/captures';

export const labA = (): string[] =>
  readdirSync(LAB)
    .filter((n) => n.startsWith('a-'))
    .map((n) => join(LAB, n));

/** A backend as browser mode makes it, its temporary files and sessions under `dir`. */
export const browserBackend = (dir: string): Backend =>
  createBackend({ shell: 'browser', recentFile: null, tempDir: dir, sessionDir: join(dir, 'sessions') });

/** Copies of lab set a's captures and their whole-set export (`dir`), each opened in a backend of its own. */
export interface LabPair {
  readonly tmp: string;
  readonly lab: CaptureCopies;
  readonly dir: string;
  readonly caps: Backend;
  readonly ds: Backend;
  /** The captures' backend once its analysis is done. */
  readonly capState: AppState;
  /** The dataset's backend as opening the dataset left it. */
  readonly dsState: AppState;
  /** Removes the copies and the folder; the backends are the test's to close (it may have replaced them). */
  dispose(): void;
}

/** Opens a LabPair in a new temporary folder named from `prefix`. */
export async function openLabPair(prefix: string): Promise<LabPair> {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  const lab = captureCopies(labA());
  const dir = join(tmp, 'dataset');
  await exportDataset(lab.files, dir);
  const caps = browserBackend(join(tmp, 'caps'));
  await caps.openCaptures({ paths: lab.files, append: false });
  const capState = await ready(caps, 2400);
  const ds = browserBackend(join(tmp, 'ds'));
  const dsState = await ds.openCaptures({ paths: [dir], append: false });
  return {
    tmp,
    lab,
    dir,
    caps,
    ds,
    capState,
    dsState,
    dispose() {
      lab.dispose();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** A list query: the first 1,000 rows matching `filter`, in packet order, unless `more` says otherwise. */
export const q = (filter: string, more: Partial<PacketQuery & { locate: number }> = {}): PacketQuery & { locate: number } => ({
  filter,
  element: null,
  sort: 'no',
  descending: false,
  offset: 0,
  limit: 1000,
  locate: 0,
  ...more,
});
