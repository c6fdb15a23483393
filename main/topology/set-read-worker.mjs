// Reading thread bootstrap when running from the TypeScript sources (command line, tests): register
// tsx in this thread too, then load the real entry.
import { register } from 'tsx/esm/api';

register();
await import('./set-read-worker.ts');
