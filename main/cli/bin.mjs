#!/usr/bin/env node
// Entry point of the `tunnelvision` command. The project ships TypeScript sources; tsx compiles
// them on the fly so that `npx tunnelvision ...` works right after `npm install`, with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
