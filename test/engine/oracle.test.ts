// Every public capture decoded by the engine, compared field by field with tshark's decode of the
// same file (expected/*.json, made by oracle.sh). Where tshark and the engine disagree and the
// engine is right, ALLOWED names the file, frame and field with the reason; an allowed difference
// that disappears fails too, so the list cannot go stale.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oracleForFile } from '../../main/cli/decode';
import { readCapture } from '../../main/engine/readers/read';
import { decodePacket, describePacket, PacketSummary } from '../../main/engine/decode/index';
import { compareOracle, type Allowed } from './decode/oracle-compare';

const PUBLIC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/captures/public');
const EXPECTED = join(PUBLIC, 'expected');

/** file#frame -> field -> reason. */
const ALLOWED: Allowed = {
  'ipv4-truncated-broken-header.pcap#1': {
    ip: 'tshark stops listing IPv4 fields after "Bogus IP length" (total length 20 < header length 60); the engine shows every field of the 20 header bytes that are there',
    malformed:
      'a total length below the header length is a malformed header for the engine (anomaly bad-length); tshark only adds an expert error without _ws.malformed',
  },
};

const files = existsSync(EXPECTED)
  ? readdirSync(PUBLIC)
      .filter((f) => f !== 'SOURCES.md' && f !== 'expected' && existsSync(join(EXPECTED, `${f}.json`)))
      .sort()
  : [];

describe.skipIf(files.length === 0)('engine vs tshark on the public captures', () => {
  it('has a capture for every oracle file', () => {
    const oracles = readdirSync(EXPECTED)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
    expect(files).toEqual(oracles);
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  it('describePacket gives the info line and protocol of decodePacket on every packet', async () => {
    let n = 0;
    const s = new PacketSummary();
    for (const name of files) {
      await readCapture(join(PUBLIC, name), {
        onPacket: (p) => {
          const d = decodePacket(p.data, p.linktype, undefined, p.origLen);
          expect(describePacket(p.data, p.linktype, s, undefined, p.origLen), `${name} #${p.index + 1}`).toEqual({
            info: d.info,
            protocol: d.protocol,
          });
          n++;
        },
      });
    }
    expect(n).toBeGreaterThan(250);
  });

  it.each(files)('%s', async (name) => {
    const expected = JSON.parse(readFileSync(join(EXPECTED, `${name}.json`), 'utf8'));
    const { doc } = await oracleForFile(join(PUBLIC, name));
    const problems = compareOracle(name, expected, doc, ALLOWED);
    expect(problems).toEqual([]);
  });
});

if (files.length === 0) {
  describe('engine vs tshark (public captures absent)', () => {
    it.skip(`skipped: ../shared/captures/public (next to the repository) not found, the public captures are not here`, () => {});
  });
}
