// Test helpers: the external tools the report tests compare against (tshark, pdftoppm, Chromium).
// Each is looked up on PATH; a test that needs a missing tool skips itself and says which.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function hasTool(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

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
