// The read limits as settings of the app: getLimits reports the defaults and the limits in force,
// setLimits replaces them for the next open (or reads the open set again at once), a backend started
// later with the same settings file brings them back, and the shell's own limits (start's flags)
// win over the saved ones. Checked on the lab's captures: 100 packets stop reading where they must.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../main/backend/backend';
import type { Backend, BackendOptions } from '../../main/backend/api';
import { DEFAULT_LIMITS } from '../../main/engine/readers/budget';
import { demoCaptures } from '../../main/server/browser-mode';
import { countText, parseCount, parseSize, sizeText } from '../../common/limits';
import { ready } from './helpers';
import { captureCopies } from '../tools';

const captures = demoCaptures().slice(0, 3);
if (captures.length < 3) console.warn('SKIPPED app limits tests: the lab captures are missing');

describe.skipIf(captures.length < 3)('read limits in the app', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tv-app-limits-'));
  const lab = captureCopies(captures);
  const limitsFile = join(dir, 'config', 'limits.json');
  const backends: Backend[] = [];
  const start = (more: Partial<BackendOptions> = {}) => {
    const b = createBackend({
      shell: 'browser',
      recentFile: null,
      tempDir: join(dir, 'tmp'),
      sessionDir: join(dir, 'sessions'),
      limitsFile,
      ...more,
    });
    backends.push(b);
    return b;
  };
  afterAll(async () => {
    for (const b of backends) await b.close();
    rmSync(dir, { recursive: true, force: true });
    lab.dispose();
  });
  const limited = { maxBytes: 2 ** 30, maxPackets: 100, maxMemoryBytes: 8 * 2 ** 30 };

  it('setLimits applies to the next open, getLimits reports them, and they are remembered', async () => {
    const b = start();
    expect(await b.getLimits()).toEqual({ current: DEFAULT_LIMITS, defaults: DEFAULT_LIMITS });
    await b.openCaptures({ paths: lab.files, append: false });
    const whole = await ready(b, 2400);
    expect(whole.message ?? '').not.toMatch(/Reading stopped/);
    expect(whole.totalPackets).toBeGreaterThan(100);

    expect(await b.setLimits({ ...limited, reload: false })).toEqual({ current: limited, defaults: DEFAULT_LIMITS });
    expect(await b.getLimits()).toEqual({ current: limited, defaults: DEFAULT_LIMITS });
    // The open set stays as it was read until it is opened again.
    expect((await b.getState()).totalPackets).toBe(whole.totalPackets);
    await b.openCaptures({ paths: lab.files, append: false });
    const s = await ready(b, 2400);
    expect(s.message).toMatch(/^Reading stopped: the set's packet limit of 100 packets is reached .*the limits are in Settings\.$/);
    expect(s.totalPackets).toBe(100);
    expect(JSON.parse(readFileSync(limitsFile, 'utf8'))).toEqual(limited);

    // A backend started later reads with the saved limits.
    expect((await start().getLimits()).current).toEqual(limited);
  }, 60_000);

  it('reload reads the open set again with the new limits at once', async () => {
    const b = start();
    await b.openCaptures({ paths: lab.files, append: false });
    expect((await ready(b, 2400)).totalPackets).toBe(100);
    await b.setLimits({ ...limited, maxPackets: 50, reload: true });
    const s = await ready(b, 2400);
    expect(s.totalPackets).toBe(50);
    expect(s.message).toMatch(/packet limit of 50 packets/);
  }, 60_000);

  it("the shell's limits (start's flags) win over the saved ones; a bad settings file gives the defaults", async () => {
    expect((await start({ limits: { maxPackets: 7 } }).getLimits()).current).toEqual({ ...limited, maxPackets: 7 });
    writeFileSync(limitsFile, '{"maxPackets": -3, "maxBytes": "big"');
    expect((await start().getLimits()).current).toEqual(DEFAULT_LIMITS);
  });

  it('a settings file that cannot be written is an error, and the limits stay', async () => {
    const b = start({ limitsFile: join(limitsFile, 'not-a-folder', 'limits.json') });
    await expect(b.setLimits({ ...limited, reload: false })).rejects.toThrow(/could not be saved/);
    expect((await b.getLimits()).current).toEqual(DEFAULT_LIMITS);
  });
});

describe('limits as the settings panel writes them', () => {
  it('sizes and counts read back as the same numbers', () => {
    for (const n of [DEFAULT_LIMITS.maxBytes, DEFAULT_LIMITS.maxMemoryBytes, 512 * 2 ** 20, 64 * 1024, 1000, 1])
      expect(parseSize(sizeText(n))).toBe(n);
    for (const n of [DEFAULT_LIMITS.maxPackets, 5_000_000, 500_000, 1234, 1]) expect(parseCount(countText(n))).toBe(n);
    expect([sizeText(6 * 2 ** 30), sizeText(512 * 2 ** 20), countText(20_000_000), countText(1500)]).toEqual(['6G', '512M', '20M', '1500']);
    for (const bad of ['', '0', '-1', '4X', '1e9', '99999999999T']) expect(parseSize(bad), bad).toBeNull();
    expect(parseCount('5G')).toBeNull();
  });
});
