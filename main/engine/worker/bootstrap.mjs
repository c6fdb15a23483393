// Worker entry when running from the TypeScript sources (CLI, tests, browser mode): a new thread has
// its own module loader, so tsx is registered here again before the real worker module is loaded.
import { register } from 'tsx/esm/api';

register();
await import('./engine-worker.ts');
