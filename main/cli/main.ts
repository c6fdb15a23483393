// Command dispatcher: `tunnelvision <command> [args]`. Each command lives in its own module.
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'decode': return (await import('./decode')).run(rest);
    case 'bench': return (await import('./bench')).run(rest);
    case 'start': return (await import('./start')).run(rest);
    case 'report': return (await import('./report')).run(rest);
    case 'topology': return (await import('./topology')).run(rest);
    case 'follow': return (await import('./follow')).run(rest);
    default:
      process.stderr.write(`usage: tunnelvision <decode|topology|follow|report|start|bench> ...\n`);
      return 2;
  }
}
