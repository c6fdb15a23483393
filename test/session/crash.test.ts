// Killing the process in the middle of a save leaves the previous session intact, and reopening
// restores the latest saved annotations.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SessionStore, parseSession } from '../../main/session';
import { tempDir } from '../report/tools';

const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

function runChild(args: string[], onLine?: (line: string, kill: () => void) => void): Promise<{ signal: NodeJS.Signals | null; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    let buf = '';
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        lines.push(line);
        onLine?.(line, () => p.kill('SIGKILL'));
      }
    });
    p.on('error', reject);
    p.on('exit', (_code, signal) => resolve({ signal, lines }));
  });
}

function captureFile(dir: string): string {
  const f = join(dir, 'node1-eth0.pcap');
  writeFileSync(f, Buffer.alloc(100, 7));
  return f;
}

describe('session crash safety', () => {
  it('a process killed between writing and renaming leaves the previous session, and reopening restores it', async () => {
    const t = tempDir('tv-crash-');
    try {
      const file = join(t.dir, 'investigation.tvsession');
      const r = await runChild(['kill-before-rename', file, captureFile(t.dir)]);
      expect(r.signal).toBe('SIGKILL');
      expect(r.lines).toEqual(['saved 1']);
      // the dead save's temporary file is there, complete but never renamed
      expect(readdirSync(t.dir).some((n) => n.endsWith('.tmp'))).toBe(true);
      const d = parseSession(readFileSync(file, 'utf8'));
      expect(d.annotations.map((a) => a.text)).toEqual(['kept: saved before the crash']);
      const store = await SessionStore.open(file, { autosaveMs: -1 });
      expect(store.annotations.map((a) => [a.text, a.severity, a.target])).toEqual([
        ['kept: saved before the crash', 'problem', { kind: 'packet', capture: 'node1-eth0.pcap', packet: 3 }],
      ]);
      expect(store.captureProblems).toEqual([]);
      // reopening cleared the dead process's temporary file
      expect(readdirSync(t.dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    } finally {
      t.cleanup();
    }
  });

  it('SIGKILL at a random moment during a multi-megabyte write never leaves a torn file', async () => {
    const t = tempDir('tv-crash-');
    try {
      const file = join(t.dir, 'big.tvsession');
      let lastSaved = 0;
      const killAt = 3;
      const r = await runChild(['loop', file, captureFile(t.dir)], (line, kill) => {
        const [what, n] = line.split(' ');
        if (what === 'saved') lastSaved = Number(n);
        // kill while save number `killAt` is being written, after a random delay inside the write
        if (what === 'writing' && Number(n) === killAt) setTimeout(kill, Math.random() * 40);
      });
      expect(r.signal).toBe('SIGKILL');
      expect(lastSaved).toBe(killAt - 1);
      const text = readFileSync(file, 'utf8');
      expect(text.length).toBeGreaterThan(4_000_000);
      const d = parseSession(text);
      // either the previous save or, when the kill came after the rename, the one in progress; never a mix
      const rounds = d.annotations.length / 2000;
      expect([killAt - 1, killAt]).toContain(rounds);
      expect(d.annotations.at(-1)!.text.startsWith(`round ${rounds} note 1999 `)).toBe(true);
      const store = await SessionStore.open(file, { autosaveMs: -1 });
      expect(store.annotations.length).toBe(rounds * 2000);
    } finally {
      t.cleanup();
    }
  });
});
