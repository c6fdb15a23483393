// `tunnelvision topology FILE... [--json] [--enrich F] [--assign CAPTURE=NODE[:IFACE]]`
//   Opens the captures as one set and prints the cluster rebuilt from them: capture attribution,
//   nodes, bridges, pods, tunnels, services, clock offsets, flows, findings (text, or --json).
// Exit codes: 0 done, 1 nothing readable, 2 usage.
import { loadCaptureSet } from '../topology/load';
import { formatTopology } from '../topology/text';
import { parseCommonArgs, COMMON_USAGE } from './topology-args';

const USAGE = `usage: tunnelvision topology FILE... [--json]
${COMMON_USAGE}`;

export async function run(args: string[]): Promise<number> {
  const a = parseCommonArgs(args, []);
  if (typeof a === 'string') {
    process.stderr.write(a ? `topology: ${a}\n${USAGE}` : USAGE);
    return a ? 2 : 0;
  }
  if (a.files.length === 0) {
    process.stderr.write(`topology: no capture files given\n${USAGE}`);
    return 2;
  }
  const analysis = await loadCaptureSet(a.files, { enrichment: a.enrich, overrides: a.overrides, maxClockSkewMs: a.maxSkewMs });
  if (a.json) process.stdout.write(JSON.stringify(analysis.toJSON(), null, 2) + '\n');
  else process.stdout.write(formatTopology(analysis));
  return analysis.packetCount > 0 || analysis.captures.length === 0 ? 0 : 1;
}
