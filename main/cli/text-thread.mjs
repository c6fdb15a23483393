// Worker thread bootstrap of a split `decode --format text` (text-split.ts): the bundle's entry
// (out/cli/text-thread.js) when it is the build of the current sources, else the sources through tsx.
import { runThreadEntry } from './bundle.mjs';

await runThreadEntry('text-thread', new URL('./text-thread.ts', import.meta.url));
