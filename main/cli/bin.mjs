#!/usr/bin/env node
// Entry point of the `tunnelvision` command. It runs the prebuilt bundle in out/cli (built by
// `npm install` and `npm run build:cli`) when that is the build of the current sources, so a run
// starts without compiling TypeScript. Otherwise, or with TUNNELVISION_FROM_SOURCES=1, tsx compiles
// the sources on the fly, as during development; the first case says so in one line on stderr.
import { bundleState } from './bundle.mjs';

const state = process.env.TUNNELVISION_FROM_SOURCES === '1' ? null : bundleState();
let main;
if (state?.fresh) {
  ({ main } = await import(state.entry));
} else {
  if (state)
    process.stderr.write(
      `tunnelvision: ${state.reason}; running from the TypeScript sources (slower start; \`npm run build:cli\` rebuilds it)\n`,
    );
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
