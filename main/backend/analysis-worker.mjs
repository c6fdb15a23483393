// Analysis worker bootstrap when running from the TypeScript sources (browser mode, tests, the CLI):
// register tsx in this thread too, then load the real entry. The Electron build bundles
// analysis-worker-main.ts beside the backend's worker instead.
import { register } from 'tsx/esm/api';

register();
await import('./analysis-worker-main.ts');
