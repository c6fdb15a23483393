// Killing the process in the middle of a save leaves the previous session intact, and reopening
// restores the latest saved annotations.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SessionStore, parseSession } from '../../main/session';
import { tempDir } from '../report/tools';

const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
/** Annotations the child adds per save (crash-child.ts). */
const ROUND = 5000;

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

  it('SIGKILL while a multi-megabyte save is being written never leaves a torn file', async () => {
    const t = tempDir('tv-crash-');
    try {
      const file = join(t.dir, 'big.tvsession');
      let lastSaved = 0;
      let savedSize = 0;
      const killAt = 3;
      let watcher: ReturnType<typeof setInterval> | undefined;
      let killedMidWrite = false;
      const r = await runChild(['loop', file, captureFile(t.dir)], (line, kill) => {
        const [what, n] = line.split(' ');
        if (what === 'saved') {
          lastSaved = Number(n);
          savedSize = statSync(file).size;
        }
        if (what === 'saved' && Number(n) === killAt) kill(); // too late to catch the write: still a valid run
        if (what !== 'writing' || Number(n) !== killAt) return;
        // Kill as soon as the new content is partly on disk: a temporary file that has started to grow,
        // or (were the save not atomic) the session file itself cut shorter than the last complete save.
        watcher = setInterval(() => {
          const partial = readdirSync(t.dir).some((x) => x.endsWith('.tmp') && statSync(join(t.dir, x)).size > 0);
          const truncated = statSync(file).size < savedSize;
          if (partial || truncated) {
            killedMidWrite = true;
            clearInterval(watcher);
            kill();
          }
        }, 0.5);
      });
      clearInterval(watcher);
      expect(r.signal).toBe('SIGKILL');
      expect(lastSaved).toBeGreaterThanOrEqual(killAt - 1);
      const text = readFileSync(file, 'utf8');
      expect(text.length).toBeGreaterThan(20_000_000);
      const d = parseSession(text);
      // the last save reported complete or, when the kill came after its rename, the one in progress; never a mix
      const rounds = d.annotations.length / ROUND;
      expect([lastSaved, lastSaved + 1]).toContain(rounds);
      expect(d.annotations.at(-1)!.text.startsWith(`round ${rounds} note ${ROUND - 1} `)).toBe(true);
      const store = await SessionStore.open(file, { autosaveMs: -1 });
      expect(store.annotations.length).toBe(rounds * ROUND);
      if (!killedMidWrite) console.warn('the save finished before the kill: this run did not interrupt a write');
    } finally {
      t.cleanup();
    }
  });
});
