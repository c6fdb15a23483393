// Worker bootstrap when running from the TypeScript sources (browser mode, tests): register tsx in
// this thread too, then load the real entry. The Electron build bundles worker-main.ts instead.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
