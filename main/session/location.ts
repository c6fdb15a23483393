// Where a capture set's session lives by default: beside the captures, named after the set, so
// reopening the same files finds their notes again and two sets in one folder do not share a file.
import { createHash } from 'node:crypto';
import { basename, dirname, resolve } from 'node:path';

export const SESSION_EXTENSION = '.tvsession';

/**
 * `<folder of the first capture>/tunnelvision-<8 hex>.tvsession`, the hex from the sorted file names of
 * the set (order of opening does not matter). `dir` puts it elsewhere (e.g. when that folder is read-only);
 * there, sets from different folders meet, so `sizes` (one per capture) joins the names to keep two
 * `capture.pcap` of different investigations apart.
 */
export function sessionPathFor(captures: readonly string[], dir?: string, sizes?: readonly number[]): string {
  if (!captures.length) throw new Error('a session needs at least one capture');
  const names = captures.map((c, i) => (sizes ? `${basename(c)}\t${sizes[i]}` : basename(c))).sort();
  const id = createHash('sha256').update(names.join('\n')).digest('hex').slice(0, 8);
  return resolve(dir ?? dirname(resolve(captures[0])), `tunnelvision-${id}${SESSION_EXTENSION}`);
}
