// Builds the `tunnelvision` command into out/cli/: main.ts and one lazily loaded chunk per command
// (esbuild, code splitting), so a run starts without compiling TypeScript. `npm install` runs this
// (the `prepare` script), and so does `npm run build:cli`; bin.mjs falls back to the sources when
// the bundle is missing or older than them (bundle.mjs). Packages stay outside the bundle and are
// loaded from node_modules as usual.
//
// `import.meta.url` is replaced by each source file's own URL, so the paths modules derive from it
// (the backend's worker bootstrap, the bench's bin.mjs, the browser-mode root)
// still point into the source tree.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLE_DIR, MANIFEST_VERSION, ROOT, sha256Of } from './bundle.mjs';

/** Files that shape the bundle besides the ones esbuild reads as modules. */
const BUILD_INPUTS = ['main/cli/build.mjs', 'tsconfig.json', 'main/tsconfig.json'];

const sourceUrls = {
  name: 'source-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.(ts|mts|tsx)$/ }, (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const loader = args.path.endsWith('.tsx') ? 'tsx' : 'ts';
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader };
    });
  },
};

export async function buildCli({ quiet = false } = {}) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    // A production install without devDependencies: the CLI runs from the sources through tsx.
    process.stderr.write('tunnelvision: esbuild is not installed; the CLI will run from its TypeScript sources\n');
    return false;
  }
  const t0 = performance.now();
  const tmp = `${BUNDLE_DIR.slice(0, -1)}.${process.pid}.tmp/`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      // The capture set's reading threads start from their own entry (main/topology/set-read-worker.mjs picks it).
      entryPoints: { main: 'main/cli/main.ts', 'set-read-worker': 'main/topology/set-read-worker.ts' },
      outdir: tmp,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20.19',
      packages: 'external',
      chunkNames: 'chunks/[name]-[hash]',
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'warning',
      plugins: [sourceUrls],
    });
    const files = [...Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('node_modules/')), ...BUILD_INPUTS].sort();
    const inputs = files.map((p) => {
      const st = statSync(ROOT + p);
      return [p, st.size, st.mtimeMs, sha256Of(ROOT + p)];
    });
    // esbuild's own map of the bundle (which chunk imports what), with the paths it will have.
    writeFileSync(`${tmp}meta.json`, JSON.stringify(result.metafile).replaceAll(relative(ROOT, tmp), relative(ROOT, BUNDLE_DIR)));
    // The manifest is what makes the bundle count as built: written last, then the folder swapped in.
    writeFileSync(`${tmp}manifest.json`, JSON.stringify({ version: MANIFEST_VERSION, entry: 'main.js', inputs }));
    mkdirSync(`${ROOT}out`, { recursive: true });
    rmSync(BUNDLE_DIR, { recursive: true, force: true });
    try {
      renameSync(tmp, BUNDLE_DIR);
    } catch (e) {
      // Another build (a parallel test run) put its bundle there between the two calls: keep that one.
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e;
    }
    if (!quiet) {
      process.stderr.write(
        `tunnelvision: CLI bundle built in ${relative(process.cwd(), BUNDLE_DIR) || '.'} from ${inputs.length} files in ${(performance.now() - t0).toFixed(0)} ms\n`,
      );
    }
    return true;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// Run as a script (`node main/cli/build.mjs`): a missing esbuild is not an error (see above), a
// failed build is.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await buildCli();
