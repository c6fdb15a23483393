// Reading thread bootstrap: the command line's prebuilt bundle has the thread's entry
// (out/cli/set-read-worker.js) when it is the build of the current sources, which starts in a
// fraction of the time; otherwise tsx is registered in this thread too and the sources are loaded.
import { runThreadEntry } from '../cli/bundle.mjs';

await runThreadEntry('set-read-worker', new URL('./set-read-worker.ts', import.meta.url));
