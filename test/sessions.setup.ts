// Vitest global setup: no test may leave a session in fixtures/. The app saves a set's session
// (filter, notes, node corrections) beside its captures, so a test that opens the committed captures
// instead of copies (test/tools.ts, captureCopies) hands its session to the next test that opens the
// same set, and the tests then pass or fail by their order. Sessions already there before the run
// (`npm start` opens the lab's captures and saves one beside them) are only reported.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = join(ROOT, 'fixtures');

/** Every session file under fixtures/, with what tells a rewritten one from the one found before. */
export function fixtureSessions(dir = FIXTURES): Map<string, string> {
  const found = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch {
    return found; // no fixtures/: nothing to leave there
  }
  for (const name of names) {
    if (!name.endsWith('.tvsession')) continue;
    const st = statSync(join(dir, name), { throwIfNoEntry: false });
    if (st?.isFile()) found.set(relative(ROOT, join(dir, name)), `${st.size} ${st.mtimeMs}`);
  }
  return found;
}

export default function setup(): () => void {
  const before = fixtureSessions();
  if (before.size)
    console.warn(
      `\n*** Sessions in fixtures/ from before this run (delete them; tests must not depend on them): ${[...before.keys()].join(', ')} ***\n`,
    );
  return () => {
    const left = [...fixtureSessions()].filter(([file, stamp]) => before.get(file) !== stamp).map(([file]) => file);
    if (!left.length) return;
    // Vitest reports an error of a global teardown without failing the run: the exit code says it too.
    process.exitCode = 1;
    throw new Error(
      `this test run left sessions in fixtures/: ${left.join(', ')}. A test opened the committed captures in the app; ` +
        'open copies instead (captureCopies in test/tools.ts), then delete these files.',
    );
  };
}
