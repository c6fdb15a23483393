// Where Wireshark is installed, if it is (exports open in it directly).
import { spawnSync } from 'node:child_process';

export function wiresharkPath(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v wireshark'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}
