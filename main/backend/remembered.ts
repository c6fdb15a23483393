// What the backend remembers for the user from one run to the next, each in a small JSON file
// (null: kept in memory only): the recently opened captures and the read limits set in the app.
// Files are written atomically; one that is missing or unreadable reads as nothing remembered.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { limitsFromEnv, type ReadLimits } from '../engine/readers/budget';

const RECENT_MAX = 12;

/** Writes `value` as JSON atomically; false when it could not be written (null file: kept in memory only). */
function saveJson(file: string | null, value: unknown): boolean {
  if (!file) return true;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(value));
    renameSync(`${file}.tmp`, file);
    return true;
  } catch {
    return false;
  }
}

/** The recently opened captures, newest first, at most RECENT_MAX. */
export class RecentFiles {
  private paths: string[];

  constructor(private readonly file: string | null) {
    this.paths = RecentFiles.load(file);
  }

  get list(): readonly string[] {
    return this.paths;
  }

  /** Puts `paths` first. The list is a convenience: a failed save never fails the open that called it. */
  remember(paths: readonly string[]): void {
    this.paths = [...paths, ...this.paths.filter((p) => !paths.includes(p))].slice(0, RECENT_MAX);
    saveJson(this.file, this.paths);
  }

  private static load(file: string | null): string[] {
    if (!file) return [];
    try {
      const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, RECENT_MAX) : [];
    } catch {
      return [];
    }
  }
}

/** The limits the user set in the app (only known keys with positive numbers); none when the file is absent or unreadable. */
export function loadLimits(file: string | null | undefined): Partial<ReadLimits> {
  if (!file) return {};
  try {
    return limitsFromEnv(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

/** Remembers the limits the user set; throws when they could not be saved. */
export function saveLimits(file: string | null | undefined, limits: ReadLimits): void {
  if (!saveJson(file ?? null, limits)) throw new Error(`the limits could not be saved in ${file}`);
}
