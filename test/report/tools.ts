// Test helpers of the report tests: tshark's fields of a file, scratch folders. Whether a tool is
// installed is test/tools.ts's business.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Fields of every frame as tshark reports them (`-T json -e ...`): one object per frame, field -> values. */
export function tsharkFields(file: string, fields: string[]): Record<string, string[]>[] {
  const args = ['-r', file, '-T', 'json'];
  for (const f of fields) args.push('-e', f);
  const out = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 256 << 20 });
  const frames = JSON.parse(out || '[]') as { _source: { layers: Record<string, string[]> } }[];
  return frames.map((f) => f._source.layers);
}

export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
