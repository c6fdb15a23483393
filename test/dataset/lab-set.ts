// What the dataset tests open and ask alike: lab set a's captures, and a list query.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PacketQuery } from '../../common/contract';

export const LAB = 'fixtures/captures';

export const labA = (): string[] =>
  readdirSync(LAB)
    .filter((n) => n.startsWith('a-'))
    .map((n) => join(LAB, n));

/** A list query: the first 1,000 rows matching `filter`, in packet order, unless `more` says otherwise. */
export const q = (filter: string, more: Partial<PacketQuery & { locate: number }> = {}): PacketQuery & { locate: number } => ({
  filter,
  element: null,
  sort: 'no',
  descending: false,
  offset: 0,
  limit: 1000,
  locate: 0,
  ...more,
});
