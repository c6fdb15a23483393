// Vitest global setup: the tests that run `tunnelvision` as a child process run what users run, the
// bundle; rebuild it first when the sources changed since it was built (or it was never built).
import { bundleState } from '../main/cli/bundle.mjs';
import { buildCli } from '../main/cli/build.mjs';

export default async function setup() {
  if (!bundleState().fresh) await buildCli();
}
