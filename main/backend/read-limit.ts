// What a read limit left out of the open set, said once for the whole set: the limit and why, the
// capture it cut (from which byte on) and the captures it kept from being read. The same text is
// the set's message in the app and a finding of the analysis (so the report says it too).
import { BUDGET_CODES } from '../engine/readers/budget';
import type { Finding } from '../topology/types';
import type { StoreFile } from './store';

const LIMIT_CODES: ReadonlySet<string> = new Set(Object.values(BUDGET_CODES));

/** The text, null when no limit stopped the reading. `why`: the budget's reason; `packets`: rows read. */
export function readLimitNote(files: readonly StoreFile[], why: string | null, packets: number): string | null {
  if (!why) return null;
  const cut: string[] = [];
  const unread: string[] = [];
  for (const f of files) {
    const e = f.info?.errors.find((x) => LIMIT_CODES.has(x.code));
    if (!e) continue;
    if (f.count > 0)
      cut.push(
        `the rest of ${f.name} from byte ${e.offset.toLocaleString('en-US')} on (its first ${f.count.toLocaleString('en-US')} packets were read)`,
      );
    else unread.push(f.name);
  }
  const left = [...cut, ...(unread.length ? [`${unread.join(', ')}, not read at all`] : [])];
  return (
    `Reading stopped: ${why}.` +
    (left.length ? ` Left out: ${left.join('; ')}.` : '') +
    ` The ${packets.toLocaleString('en-US')} packets read before are listed and analysed; the limits are in Settings.`
  );
}

/** The note as a finding of the analysis. */
export const readLimitFinding = (note: string): Finding => ({ code: 'read-error', severity: 'warning', message: note, packets: [] });
