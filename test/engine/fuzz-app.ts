// Opens capture files (the mutants scripts/fuzz-cli.mjs keeps with --save) one at a time in the app's
// backend, in process, and walks what a user would: the state, every packet row, the detail and the
// Follow view of the first, middle and last packet, the graph. Run by hand, not by the tests:
//   npx tsx test/engine/fuzz-app.ts DIR
// A file fails when a call throws, takes over 20 s, the load ends in a phase other than 'ready', or
// the app lists another number of packets than the engine reads from the file.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend } from '../../main/backend/backend';
import { readCapture } from '../../main/engine/readers/read';

const dir = process.argv[2];
if (!dir) throw new Error('usage: npx tsx test/engine/fuzz-app.ts DIR');
const LIMIT_MS = 20_000;
const temp = mkdtempSync(join(tmpdir(), 'tv-fuzz-app-'));
const b = createBackend({ shell: 'browser', recentFile: join(temp, 'recent.json'), tempDir: temp, sessionDir: join(temp, 'sessions') });

function within<T>(what: string, p: Promise<T>): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${LIMIT_MS} ms`)), LIMIT_MS).unref()),
  ]);
}

async function check(path: string): Promise<string[]> {
  const problems: string[] = [];
  let engine = 0;
  await readCapture(path, { onPacket: () => void engine++ });
  await within('openCaptures', b.openCaptures({ paths: [path], append: false }));
  const t0 = Date.now();
  let s = await b.getState();
  while (s.phase === 'loading' || s.phase === 'analysing') {
    if (Date.now() - t0 > LIMIT_MS) return [`still ${s.phase} after ${LIMIT_MS} ms`];
    await new Promise((r) => setTimeout(r, 25));
    s = await b.getState();
  }
  if (s.phase !== 'ready') problems.push(`phase ${s.phase}: ${s.message}`);
  if (s.totalPackets !== engine) problems.push(`the app lists ${s.totalPackets} packets, the engine reads ${engine}`);
  const page = await within(
    'queryPackets',
    b.queryPackets({ filter: '', element: null, sort: 'no', descending: false, offset: 0, limit: 100_000, locate: 0 }),
  );
  if (page.total !== s.totalPackets) problems.push(`the packet table has ${page.total} rows of ${s.totalPackets}`);
  const rows = page.rows;
  for (const r of [rows[0], rows[rows.length >> 1], rows[rows.length - 1]]) {
    if (!r) continue;
    const d = await within(`getPacket ${r.no}`, b.getPacket({ no: r.no }));
    if (!d) problems.push(`packet ${r.no}: no detail`);
    await within(`followPacket ${r.no}`, b.followPacket({ no: r.no }));
  }
  await within('getGraph', b.getGraph());
  return problems;
}

let failed = 0;
const files = readdirSync(dir)
  .filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f))
  .sort();
for (const f of files) {
  let problems: string[];
  try {
    problems = await check(join(dir, f));
  } catch (e) {
    problems = [`threw: ${(e as Error).stack ?? String(e)}`];
  }
  if (problems.length) {
    failed++;
    console.log(`FAIL ${f}\n  ${problems.join('\n  ')}`);
  }
}
console.log(`${files.length} files opened in the app, ${failed} failed`);
rmSync(temp, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
