// Command dispatcher: `tunnelvision <command> [args]`. Each command lives in its own module, loaded
// only when it runs (one chunk each in the bundle), so `decode` never loads React, the report
// renderers or Playwright, and `--help` loads nothing at all.
const USAGE = `usage: tunnelvision <command> [args]
  decode FILE...     one line (or one JSON record) per packet, every tunnel layer decoded
  topology FILE...   the cluster rebuilt from a capture set
  follow FILE...     one flow or one packet, hop by hop across the captures
  report FILE...     write an investigation report (HTML, PDF, Markdown, JSON, pcapng)
  export --parquet DIR FILE...  the capture set as a Parquet dataset
  sql DIR QUERY      SQL over a Parquet dataset (embedded DuckDB)
  start              the app in the browser (browser mode)
  bench              the benchmarks
'tunnelvision <command> --help' describes a command's options.
`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'decode':
      return (await import('./decode')).run(rest);
    case 'bench':
      return (await import('./bench')).run(rest);
    case 'start':
      return (await import('./start')).run(rest);
    case 'report':
      return (await import('./report')).run(rest);
    case 'topology':
      return (await import('./topology')).run(rest);
    case 'follow':
      return (await import('./follow')).run(rest);
    case 'export':
      return (await import('./dataset')).runExport(rest);
    case 'sql':
      return (await import('./dataset')).runSqlCommand(rest);
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(command === undefined ? USAGE : `tunnelvision: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}

// Run as a script itself (`tsx main/cli/main.ts decode …`, as during development) it runs the
// command, as main/cli/bin.mjs does; imported, it only exports main().
if (process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href)
  process.exitCode = await main(process.argv.slice(2));
