// Reading thread bootstrap: the command line's prebuilt bundle has the thread's entry
// (out/cli/set-read-worker.js) when it is the build of the current sources, which starts in a
// fraction of the time; otherwise tsx is registered in this thread too and the sources are loaded.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { BUNDLE_DIR, bundleState } from '../cli/bundle.mjs';

const bundled = `${BUNDLE_DIR}set-read-worker.js`;
if (process.env.TUNNELVISION_FROM_SOURCES !== '1' && existsSync(bundled) && bundleState().fresh) {
  await import(pathToFileURL(bundled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./set-read-worker.ts');
}
