import { describe, expect, it } from 'vitest';
import { chmodSync, cpSync, mkdirSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SessionError, SessionStore, parseSession, sessionPathFor, type SessionChange } from '../../main/session';
import { tempDir } from '../report/tools';
import { encodePcapng } from '../../main/engine/writers/pcapng';
import { HOSTILE } from '../report/hostile';

function setup() {
  const t = tempDir('tv-session-');
  mkdirSync(join(t.dir, 'caps'));
  const a = join(t.dir, 'caps', 'node1-eth0.pcap');
  const b = join(t.dir, 'caps', 'node2-eth0.pcap');
  writeFileSync(a, Buffer.alloc(1000, 1));
  writeFileSync(b, Buffer.alloc(2000, 2));
  return { ...t, a, b, file: join(t.dir, 'case.tvsession') };
}

const waitFor = (store: SessionStore, what: SessionChange) =>
  new Promise<void>((resolve) => {
    const off = store.onChange((w) => {
      if (w === what) {
        off();
        resolve();
      }
    });
  });

describe('session store', () => {
  it('remembers captures, assignments, decode-as, filter and annotations across close and reopen', async () => {
    const s = setup();
    try {
      const store = await SessionStore.create(s.file, [s.a, s.b], { autosaveMs: -1 });
      expect(store.captures.map((c) => [c.id, c.path, c.size])).toEqual([
        ['node1-eth0.pcap', 'caps/node1-eth0.pcap', 1000],
        ['node2-eth0.pcap', 'caps/node2-eth0.pcap', 2000],
      ]);
      expect(store.captures[0].sha256).toMatch(/^[0-9a-f]{64}$/);
      const p = store.addAnnotation({
        target: { kind: 'packet', capture: 'node1-eth0.pcap', packet: 41 },
        text: 'SYN never answered',
        severity: 'problem',
        tag: 'drop',
      });
      store.addAnnotation({ target: { kind: 'flow', flow: '1:abc=' }, text: HOSTILE.script });
      store.addAnnotation({
        target: { kind: 'hop', journey: 'j7', hop: 2, capture: 'node2-eth0.pcap', packet: 9 },
        text: 'MTU',
        severity: 'warning',
      });
      store.addAnnotation({ target: { kind: 'element', element: 'pod:default/web-0' }, text: HOSTILE.control });
      store.addAnnotation({ target: { kind: 'set' }, text: 'captured during the outage' });
      store.updateAnnotation(p.id, { text: 'SYN never answered by web-0', tag: '' });
      store.setAssignment({ capture: 'node2-eth0.pcap', node: 'node2', interface: 'eth0', kind: 'underlay' });
      store.setDecodeAs([{ layer: 'udp', port: 9999, proto: 'vxlan' }]);
      store.setFilter('ip.src == 10.42.0.5');
      await store.close();

      const again = await SessionStore.open(s.file);
      expect(again.annotations.map((a) => a.text)).toEqual([
        'SYN never answered by web-0',
        HOSTILE.script,
        'MTU',
        HOSTILE.control,
        'captured during the outage',
      ]);
      expect(again.annotations[0].tag).toBeUndefined();
      expect(again.annotations[0].severity).toBe('problem');
      expect(again.annotations[2].target).toEqual({ kind: 'hop', journey: 'j7', hop: 2, capture: 'node2-eth0.pcap', packet: 9 });
      expect(again.assignments).toEqual([{ capture: 'node2-eth0.pcap', node: 'node2', interface: 'eth0', kind: 'underlay' }]);
      expect(again.decodeAs).toEqual([{ layer: 'udp', port: 9999, proto: 'vxlan' }]);
      expect(again.filter).toBe('ip.src == 10.42.0.5');
      expect(again.captureProblems).toEqual([]);
      expect(again.annotations.every((a) => again.isAttached(a))).toBe(true);

      // the folder moved elsewhere: relative capture paths still resolve
      const moved = tempDir('tv-moved-');
      try {
        cpSync(s.dir, moved.dir, { recursive: true });
        const m = await SessionStore.open(join(moved.dir, 'case.tvsession'));
        expect(m.capturePath('node1-eth0.pcap')).toBe(join(moved.dir, 'caps', 'node1-eth0.pcap'));
        expect(m.captureProblems).toEqual([]);
      } finally {
        moved.cleanup();
      }
    } finally {
      s.cleanup();
    }
  });

  it('saves by itself shortly after a change', async () => {
    const s = setup();
    try {
      const store = await SessionStore.create(s.file, [s.a], { autosaveMs: 20 });
      const saved = waitFor(store, 'saved');
      store.addAnnotation({ target: { kind: 'set' }, text: 'autosaved' });
      expect(store.dirty).toBe(true);
      await saved;
      expect(store.dirty).toBe(false);
      expect(parseSession(readFileSync(s.file, 'utf8')).annotations.map((a) => a.text)).toEqual(['autosaved']);
    } finally {
      s.cleanup();
    }
  });

  it('says when a capture changed or went missing, and keeps those packet notes detached', async () => {
    const s = setup();
    try {
      const store = await SessionStore.create(s.file, [s.a, s.b], { autosaveMs: -1 });
      store.addAnnotation({ target: { kind: 'packet', capture: 'node1-eth0.pcap', packet: 1 }, text: 'on a' });
      store.addAnnotation({ target: { kind: 'hop', journey: 'j1', hop: 0, capture: 'node2-eth0.pcap', packet: 1 }, text: 'on b' });
      store.addAnnotation({ target: { kind: 'flow', flow: 'f' }, text: 'flow' });
      await store.close();

      const same = Buffer.alloc(1000, 1);
      same[500] = 9; // same size, different bytes: only the hash tells
      writeFileSync(s.a, same);
      let r = await SessionStore.open(s.file);
      expect(r.captureProblems.map((c) => [c.capture, c.state])).toEqual([['node1-eth0.pcap', 'changed']]);
      expect(r.captureProblems[0].message).toMatch(/changed on disk \(same size, different content\)/);
      expect(r.annotations.map((a) => [a.text, r.isAttached(a)])).toEqual([
        ['on a', false],
        ['on b', true],
        ['flow', true],
      ]);

      writeFileSync(s.a, Buffer.alloc(10));
      rmSync(s.b);
      r = await SessionStore.open(s.file);
      expect(r.captureProblems.map((c) => [c.capture, c.state, c.actual?.size])).toEqual([
        ['node1-eth0.pcap', 'changed', 10],
        ['node2-eth0.pcap', 'missing', undefined],
      ]);
      expect(r.annotations.map((a) => r.isAttached(a))).toEqual([false, false, true]);
      // nothing was lost: the notes are all still in the file
      expect(parseSession(readFileSync(s.file, 'utf8')).annotations).toHaveLength(3);
    } finally {
      s.cleanup();
    }
  });

  it('shows pcapng comments as read-only annotations that are not copied into the session file', async () => {
    const s = setup();
    try {
      const store = await SessionStore.create(s.file, [s.a], { autosaveMs: -1 });
      store.setCaptureComments('node1-eth0.pcap', [{ packet: 4, text: 'from the capture' }]);
      store.addAnnotation({ target: { kind: 'set' }, text: 'mine' });
      expect(store.annotations.map((a) => [a.source, a.text])).toEqual([
        ['user', 'mine'],
        ['capture-comment', 'from the capture'],
      ]);
      const cc = store.annotations[1];
      expect(cc.target).toEqual({ kind: 'packet', capture: 'node1-eth0.pcap', packet: 4 });
      expect(() => store.updateAnnotation(cc.id, { text: 'x' })).toThrow(/stored in the capture file/);
      await store.close();
      expect(parseSession(readFileSync(s.file, 'utf8')).annotations.map((a) => a.text)).toEqual(['mine']);
    } finally {
      s.cleanup();
    }
  });

  it('reads the comments of a pcapng capture on disk', async () => {
    const s = setup();
    try {
      const ng = join(s.dir, 'caps', 'node1-flannel.1.pcapng');
      const data = new Uint8Array(60);
      writeFileSync(
        ng,
        encodePcapng({
          interfaces: [{ linktype: 1, name: 'flannel.1' }],
          packets: [
            { iface: 0, tsSec: 1, tsNsec: 0, data },
            { iface: 0, tsSec: 2, tsNsec: 0, data, comments: ['retransmitted', HOSTILE.imgOnerror] },
          ],
        }),
      );
      const store = await SessionStore.create(s.file, [s.a, ng], { autosaveMs: -1 });
      expect(await store.loadCaptureComments()).toBe(2);
      expect(store.annotations.map((a) => [a.source, a.target, a.text])).toEqual([
        ['capture-comment', { kind: 'packet', capture: 'node1-flannel.1.pcapng', packet: 1 }, 'retransmitted'],
        ['capture-comment', { kind: 'packet', capture: 'node1-flannel.1.pcapng', packet: 1 }, HOSTILE.imgOnerror],
      ]);
    } finally {
      s.cleanup();
    }
  });

  it('refuses bad input with clear errors and never overwrites an unreadable session', async () => {
    const s = setup();
    try {
      const store = await SessionStore.create(s.file, [s.a], { autosaveMs: -1 });
      expect(() => store.addAnnotation({ target: { kind: 'packet', capture: 'nope.pcap', packet: 1 }, text: 'x' })).toThrow(
        /not in this session/,
      );
      expect(() => store.addAnnotation({ target: { kind: 'packet', capture: 'node1-eth0.pcap', packet: -1 }, text: 'x' })).toThrow(
        SessionError,
      );
      expect(() => store.addAnnotation({ target: { kind: 'set' }, text: 'x', severity: 'fatal' as 'info' })).toThrow(/severity/);
      expect(() => store.addAnnotation({ target: { kind: 'bogus' } as never, text: 'x' })).toThrow(/unknown target kind/);
      expect(() => store.addAnnotation({ target: { kind: 'set' }, text: 'x'.repeat(100_001) })).toThrow(/longer than/);
      expect(() => store.setDecodeAs([{ layer: 'udp', port: 70000, proto: 'vxlan' }])).toThrow(/port/);
      expect(() => store.setDecodeAs([{ layer: 'udp', port: 9999, proto: 'bogus' }])).toThrow(/"proto" "bogus" is not one of .*vxlan/);
      expect(() => store.setDecodeAs([{ layer: 'sctp', port: 9999, proto: 'vxlan' }])).toThrow(/udp or tcp/);
      await store.close();

      writeFileSync(s.file, '{"format":"tunnelvision-session","version":1,"savedAt":"x","captures":[');
      await expect(SessionStore.open(s.file)).rejects.toMatchObject({ code: 'bad-json' });
      expect(readFileSync(s.file, 'utf8')).toContain('"captures":[');
      writeFileSync(s.file, JSON.stringify({ format: 'tunnelvision-session', version: 99, savedAt: '' }));
      await expect(SessionStore.open(s.file)).rejects.toMatchObject({ code: 'newer-version' });
      writeFileSync(s.file, JSON.stringify({ hello: 1 }));
      await expect(SessionStore.open(s.file)).rejects.toMatchObject({ code: 'bad-format' });
      await expect(SessionStore.create(join(s.dir, 'x.tvsession'), [join(s.dir, 'missing.pcap')])).rejects.toMatchObject({ code: 'io' });
    } finally {
      s.cleanup();
    }
  });

  it('changes made while a save is being written are saved too; nothing is lost', async () => {
    const s = setup();
    try {
      const store = await SessionStore.create(s.file, [s.a], { autosaveMs: 0 });
      const big = 'z'.repeat(50_000);
      for (let i = 0; i < 200; i++) {
        store.addAnnotation({ target: { kind: 'packet', capture: 'node1-eth0.pcap', packet: i }, text: `${i} ${big}` });
        if (i % 20 === 0) await new Promise((r) => setTimeout(r, 1)); // let autosaves start mid-stream
      }
      const p = store.save();
      store.setFilter('tcp');
      await p;
      await store.close();
      const d = parseSession(readFileSync(s.file, 'utf8'));
      expect(d.annotations).toHaveLength(200);
      expect(d.filter).toBe('tcp');
    } finally {
      s.cleanup();
    }
  });

  it('keeps the permissions of the session file it replaces', async () => {
    const s = setup();
    try {
      const store = await SessionStore.create(s.file, [s.a], { autosaveMs: -1 });
      chmodSync(s.file, 0o600);
      store.addAnnotation({ target: { kind: 'set' }, text: 'private' });
      await store.close();
      expect(statSync(s.file).mode & 0o777).toBe(0o600);
    } finally {
      s.cleanup();
    }
  });

  it('names the default session file after the set, beside the captures', () => {
    const p = sessionPathFor(['/data/x/node2-eth0.pcap', '/data/x/node1-eth0.pcap']);
    expect(p).toMatch(/^\/data\/x\/tunnelvision-[0-9a-f]{8}\.tvsession$/);
    expect(sessionPathFor(['/data/x/node1-eth0.pcap', '/data/x/node2-eth0.pcap'])).toBe(p);
    expect(sessionPathFor(['/data/x/node1-eth0.pcap'])).not.toBe(p);
    expect(sessionPathFor(['/data/x/node1-eth0.pcap'], '/home/u/.config')).toMatch(/^\/home\/u\/\.config\//);
  });

  it('a new session file is not written until something changes', async () => {
    const s = setup();
    try {
      const store = await SessionStore.open(s.file, { autosaveMs: -1 });
      expect(store.annotations).toEqual([]);
      await store.close();
      expect(() => readFileSync(s.file)).toThrow();
    } finally {
      s.cleanup();
    }
  });

  it('adopts its captures without writing, finds moved captures by content, and stops hashing when cancelled', async () => {
    const s = setup();
    try {
      const store = await SessionStore.open(s.file, { autosaveMs: -1 });
      await store.adoptCaptures([s.a, s.b]);
      expect(store.dirty).toBe(false);
      store.setFilter('tcp.port == 80'); // a filter alone writes nothing either
      expect(store.dirty).toBe(false);
      store.addAnnotation({ target: { kind: 'packet', capture: 'node1-eth0.pcap', packet: 0 }, text: 'first packet' });
      await store.close();
      const saved = parseSession(readFileSync(s.file, 'utf8'), 'case.tvsession');
      expect(saved.captures.map((c) => c.id)).toEqual(['node1-eth0.pcap', 'node2-eth0.pcap']);
      expect(saved.filter).toBe('tcp.port == 80');

      // The captures move to another folder: found again by size and SHA-256, the note attaches again.
      mkdirSync(join(s.dir, 'moved'));
      const moved = [join(s.dir, 'moved', 'node1-eth0.pcap'), join(s.dir, 'moved', 'node2-eth0.pcap')];
      cpSync(s.a, moved[0]);
      cpSync(s.b, moved[1]);
      rmSync(join(s.dir, 'caps'), { recursive: true });
      const again = await SessionStore.open(s.file, { autosaveMs: -1 });
      expect(again.captureProblems).toHaveLength(2);
      expect(await again.relocate(moved)).toBe(2);
      expect(again.captureProblems).toEqual([]);
      expect(again.capturePath('node1-eth0.pcap')).toBe(moved[0]);
      expect(again.isAttached(again.annotations[0])).toBe(true);

      await expect(again.verifyCaptures(AbortSignal.abort())).rejects.toThrow();
      await again.close();
    } finally {
      s.cleanup();
    }
  });

  it('checks a set of many captures at once on one signal without a listener per file', async () => {
    const s = setup();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const files = Array.from({ length: 16 }, (_, i) => join(s.dir, 'caps', `node${i}-eth0.pcap`));
      for (const [i, f] of files.entries()) writeFileSync(f, Buffer.alloc(3000 + i, i));
      const store = await SessionStore.create(s.file, files, { autosaveMs: -1 });
      const checks = await store.verifyCaptures(new AbortController().signal);
      expect(checks.map((c) => c.state)).toEqual(files.map(() => 'ok'));
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([]);
      await store.close();
    } finally {
      process.off('warning', onWarning);
      s.cleanup();
    }
  });
});
