// Where the prebuilt CLI bundle lives and whether it is still the build of the sources beside it.
// Plain JavaScript with no dependencies: bin.mjs loads this on every run, before anything else.
//
// build.mjs writes out/cli/manifest.json last, after the bundle: every source file the bundle was
// built from with its size, mtime and SHA-256. The bundle is fresh when every file still has its
// size and mtime (one stat each, about 1 ms for the ~200 files); a file whose mtime moved but whose
// content hashes the same (a checkout, a `touch`) still counts as unchanged.
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The project's root folder (this file is main/cli/bundle.mjs). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The bundle's folder: git-ignored, written by `npm install` (prepare) and `npm run build:cli`. */
export const BUNDLE_DIR = `${ROOT}out/cli/`;
export const MANIFEST = `${BUNDLE_DIR}manifest.json`;
export const MANIFEST_VERSION = 1;

/**
 * @typedef {{ version: number, entry: string, inputs: [path: string, size: number, mtimeMs: number, sha256: string][] }} Manifest
 * @returns {{ fresh: true, entry: string } | { fresh: false, reason: string }}
 */
export function bundleState() {
  /** @type {Manifest} */
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return { fresh: false, reason: 'the CLI bundle is not built' };
  }
  if (manifest?.version !== MANIFEST_VERSION || !Array.isArray(manifest.inputs) || typeof manifest.entry !== 'string') {
    return { fresh: false, reason: 'the CLI bundle was built by another version of the build script' };
  }
  for (const [path, size, mtimeMs, sha256] of manifest.inputs) {
    const st = statSync(ROOT + path, { throwIfNoEntry: false });
    if (!st) return { fresh: false, reason: `the CLI bundle is stale (${path} is gone)` };
    if (st.size === size && st.mtimeMs === mtimeMs) continue;
    if (st.size !== size || !hashes(ROOT + path, sha256)) return { fresh: false, reason: `the CLI bundle is stale (${path} changed)` };
  }
  return { fresh: true, entry: pathToFileURL(BUNDLE_DIR + manifest.entry).href };
}

/** @param {string} file @param {string} sha256 */
function hashes(file, sha256) {
  try {
    return sha256Of(file) === sha256;
  } catch {
    return false; // unreadable now: not the file the bundle was built from
  }
}

/** @param {string} file */
export function sha256Of(file) {
  // Only reached when a file's mtime moved, so node:crypto is not loaded on a normal start
  // (process.getBuiltinModule: Node >= 20.16; package.json asks for 20.19).
  return process.getBuiltinModule('node:crypto').createHash('sha256').update(readFileSync(file)).digest('hex');
}
