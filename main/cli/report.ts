// `tunnelvision report [FILE...] [--session S] --out OUT [--out OUT2 ...]`
//   Analyses the captures (FILE..., or the session's capture set when no FILE is given) and writes a
//   report per --out, the format taken from its extension: .html .md .json .pdf .pcapng.
//   --session S        session file with annotations, assignments, decode-as (read, never modified)
//   --title TEXT       report title
//   --packets all|annotated   pcapng: every packet (default) or only annotated ones
//   --enrich FILE      kubectl JSON / flannel subnet.env to name pods, nodes and services (repeatable)
// Exit codes: 0 written, 1 failure (message says why), 2 usage.
import { existsSync } from 'node:fs';
import { SessionStore, SessionError, assignmentOverrides } from '../session';
import { formatFromPath, writeReport, type ReportFormat } from '../report';
import { loadCaptureSet } from '../topology';
import type { DecodeAsTable } from '../engine/decode/types';
import { withOutput } from './output';
import { limitsUsage, takeLimit } from './limit-args';
import type { ReadLimits } from '../engine/readers/budget';

const USAGE = `usage: tunnelvision report [FILE...] [--session S] --out OUT.(html|md|json|pdf|pcapng) [--out ...]
  --session S            session file (annotations, node/interface assignments, decode-as); read only
  --out FILE             output; format from the extension; repeat for several formats
  --title TEXT           report title
  --packets all|annotated  pcapng export: every packet (default) or only the annotated ones
  --enrich FILE          kubectl get ... -o json output or flannel subnet.env (repeatable)
${limitsUsage()}`;

interface Args {
  files: string[];
  session?: string;
  outs: { path: string; format: ReportFormat }[];
  title?: string;
  packets: 'all' | 'annotated';
  enrich: string[];
  limits: Partial<ReadLimits>;
}

function parseArgs(args: string[]): Args | string {
  const a: Args = { files: [], outs: [], packets: 'all', enrich: [], limits: {} };
  for (let i = 0; i < args.length; i++) {
    const x = args[i];
    const [flag, inline] =
      x.startsWith('--') && x.includes('=') ? [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)] : [x, undefined];
    const value = (): string | undefined => inline ?? args[++i];
    const limit = takeLimit(flag, value, a.limits);
    if (typeof limit === 'string') return limit;
    if (limit) continue;
    switch (flag) {
      case '--session': {
        const v = value();
        if (!v) return '--session needs a file';
        a.session = v;
        break;
      }
      case '--out':
      case '-o': {
        const v = value();
        if (!v) return '--out needs a file';
        const format = formatFromPath(v);
        if (!format) return `cannot tell the format of ${v}: use .html, .md, .json, .pdf or .pcapng`;
        a.outs.push({ path: v, format });
        break;
      }
      case '--title': {
        const v = value();
        if (v === undefined) return '--title needs a value';
        a.title = v;
        break;
      }
      case '--packets': {
        const v = value();
        if (v !== 'all' && v !== 'annotated') return '--packets is all or annotated';
        a.packets = v;
        break;
      }
      case '--enrich': {
        const v = value();
        if (!v) return '--enrich needs a file';
        a.enrich.push(v);
        break;
      }
      case '-h':
      case '--help':
        return '';
      default:
        if (x.startsWith('-')) return `unknown option '${x}'`;
        a.files.push(x);
    }
  }
  if (!a.outs.length) return 'no --out given';
  if (!a.files.length && !a.session) return 'no capture file and no session given';
  return a;
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    process.stderr.write(parsed ? `tunnelvision report: ${parsed}\n${USAGE}` : USAGE);
    return parsed ? 2 : 0;
  }
  let store: SessionStore | null = null;
  if (parsed.session) {
    if (!existsSync(parsed.session) && !parsed.files.length) {
      process.stderr.write(`tunnelvision report: session ${parsed.session} does not exist\n`);
      return 1;
    }
    try {
      store = await SessionStore.open(parsed.session, { autosaveMs: -1 });
    } catch (e) {
      process.stderr.write(`tunnelvision report: ${e instanceof SessionError ? e.message : (e as Error).message}\n`);
      return 1;
    }
    for (const p of store.captureProblems) process.stderr.write(`warning: ${p.message}\n`);
    await store.loadCaptureComments();
  }
  const files = parsed.files.length ? parsed.files : store!.captures.map((c) => store!.capturePath(c.id)!);
  const missing = files.filter((f) => !existsSync(f));
  if (missing.length) {
    process.stderr.write(`tunnelvision report: no such capture: ${missing.join(', ')}\n`);
    return 1;
  }
  const overrides = assignmentOverrides(store?.assignments ?? []);
  const analysis = await loadCaptureSet(files, {
    overrides,
    enrichment: parsed.enrich,
    decodeAs: (store?.decodeAs ?? []) as DecodeAsTable,
    limits: parsed.limits,
  });
  for (const c of analysis.captures)
    for (const e of c.errors) process.stderr.write(`warning: ${c.id}: ${e.code} at byte ${e.offset}: ${e.message}\n`);
  return withOutput('report', async (stdout) => {
    let failed = false;
    for (const out of parsed.outs) {
      try {
        const r = await writeReport(analysis, store, { out: out.path, format: out.format, title: parsed.title, packets: parsed.packets });
        const what = r.format === 'pcapng' ? `${r.packets} packets, ${r.comments} comments` : `${r.bytes} bytes`;
        await stdout.write(`wrote ${out.path} (${what})${r.extra.length ? ` and ${r.extra.join(', ')}` : ''}\n`);
      } catch (e) {
        failed = true;
        const msg = (e as Error).message;
        process.stderr.write(`tunnelvision report: ${msg.includes(out.path) ? msg : `${out.path}: ${msg}`}\n`);
      }
    }
    return failed ? 1 : 0;
  });
}
