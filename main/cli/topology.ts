// `tunnelvision topology FILE... [--json] [--enrich F] [--assign CAPTURE=NODE[:IFACE]]`
//   Opens the captures as one set and prints the cluster rebuilt from them: capture attribution,
//   nodes, bridges, pods, tunnels, services, clock offsets, flows, findings (text, or --json).
// Exit codes: 0 done, 1 nothing readable, 2 usage.
import { loadCaptureSet } from '../topology/load';
import { formatTopology } from '../topology/text';
import { parseCommonArgs, unresolvedAssignments, COMMON_USAGE } from './topology-args';
import { withOutput } from './output';
import { reportLimitStops } from './limit-args';

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
  const analysis = await loadCaptureSet(a.files, {
    enrichment: a.enrich,
    overrides: a.overrides,
    maxClockSkewMs: a.maxSkewMs,
    decodeAs: a.decodeAs,
    limits: a.limits,
  });
  reportLimitStops('topology', analysis.captures);
  const unresolved = unresolvedAssignments(a, analysis.captures);
  if (unresolved.length) {
    process.stderr.write(unresolved.map((m) => `topology: ${m}\n`).join(''));
    return 2;
  }
  const code = analysis.packetCount > 0 || analysis.captures.length === 0 ? 0 : 1;
  if (code) process.stderr.write('topology: the captures given hold no packets\n');
  return withOutput('topology', async (out) => {
    await out.write(a.json ? JSON.stringify(analysis.toJSON(), null, 2) + '\n' : formatTopology(analysis));
    return code;
  });
}
