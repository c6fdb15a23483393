// The app's backend on the Calico lab: the followed flow shows its Community ID, and filtering on
// that Community ID gives the flow's packets in every capture (as tshark's communityid filter does).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend } from '../../main/backend/backend';
import type { Backend } from '../../main/backend/api';
import { communityId } from '../../main/engine/flow/community-id';
import { captureCopies, describeNeeding, type CaptureCopies } from '../tools';

const root = fileURLToPath(new URL('../..', import.meta.url));
const m = JSON.parse(readFileSync(join(root, 'fixtures/calico-manifest.json'), 'utf8')) as { captures: { file: string }[] };
let dir = '';
let lab: CaptureCopies;
let b: Backend;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tv-calico-app-'));
  b = createBackend({ shell: 'browser', recentFile: null, tempDir: dir, sessionDir: join(dir, 'sessions') });
  lab = captureCopies(m.captures.map((c) => join(root, c.file)));
  await b.openCaptures({ paths: lab.files, append: false });
  for (let i = 0; i < 600; i++) {
    const s = await b.getState();
    if (s.phase === 'ready' || s.phase === 'failed') break;
    await new Promise((r) => setTimeout(r, 50));
  }
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  lab?.dispose();
});

describeNeeding(['tshark'], 'Community ID in the app (Calico lab)', () => {
  it('following the TCP flow shows its Community ID; community_id == "..." selects its packets in every capture', async () => {
    expect((await b.getState()).phase).toBe('ready');
    const flows = await b.flowsThrough({ element: 'node:calico1' });
    const tcp = flows.find((f) => / 8080/.test(f.label) || f.flow.includes(':8080'))!;
    expect(tcp).toBeDefined();
    const view = (await b.followFlow({ flow: tcp.flow }))!;
    const [, sip, sport, dip, dport] = /^tcp (\S+):(\d+) > (\S+):(\d+)$/.exec(tcp.flow)!;
    const cid = communityId({ proto: 6, src: sip, dst: dip, sport: Number(sport), dport: Number(dport) });
    expect(view.communityId).toBe(cid);
    const page = await b.queryPackets({
      filter: `community_id == "${cid}"`,
      element: null,
      sort: 'no',
      descending: false,
      offset: 0,
      limit: 10,
      locate: 0,
    });
    expect(page.filterError).toBeNull();
    let tshark = 0;
    for (const c of m.captures) {
      const r = spawnSync(
        'tshark',
        [
          '-n',
          '--enable-protocol',
          'communityid',
          '-r',
          join(root, c.file),
          '-Y',
          `communityid == "${cid}"`,
          '-T',
          'fields',
          '-e',
          'frame.number',
        ],
        { encoding: 'utf8' },
      );
      tshark += r.stdout.split('\n').filter(Boolean).length;
    }
    expect(page.total).toBe(tshark);
    expect(tshark).toBeGreaterThan(20);
  });
});
