// The desktop shell's security settings, asserted on the very objects the app uses.
import { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { describe, expect, it } from 'vitest';
import { EVENT_NAMES, METHOD_NAMES, channelOf, eventChannelOf, type AppState, type TunnelvisionApi } from '../../common/contract';
import { forwardEvents, registerIpc } from '../../main/app/ipc';
import { EventHub } from '../../main/backend/events';
import { EXTERNAL_ORIGINS, guardContents, isAllowedExternal, isTrustedSender, windowOptions } from '../../main/app/window';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, APP_URL, appFileFor, rendererUrl } from '../../main/app/protocol';
import { applyFuses, fuseConfig } from '../../main/app/fuses';
import { CSP, CSP_META, SECURITY_HEADERS } from '../../main/server/csp';

const root = fileURLToPath(new URL('../..', import.meta.url));
const APP = APP_URL;
const mainSource = readFileSync(`${root}/main/app/index.ts`, 'utf8');

describe('BrowserWindow settings', () => {
  it('isolates the renderer: context isolation, sandbox, no Node, no webviews', () => {
    const o = windowOptions('/x/preload.cjs', false);
    expect(o.webPreferences).toMatchObject({
      preload: '/x/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
    });
    expect([o.width, o.height]).toEqual([1280, 800]);
  });

  it('the preload is one CommonJS bundle (sandboxed preloads cannot import)', () => {
    const cfg = readFileSync(`${root}/electron.vite.config.ts`, 'utf8');
    expect(cfg).toMatch(/format: 'cjs'/);
    expect(readFileSync(`${root}/main/app/index.ts`, 'utf8')).toContain("'../preload/index.cjs'");
  });
});

describe('the page and where it comes from', () => {
  it('loads the app from its own app:// scheme, not file://', () => {
    expect(APP_URL).toBe('app://tunnelvision/index.html');
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, bypassCSP: false, allowServiceWorkers: false },
    });
    expect(mainSource).toContain('protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES])');
    expect(mainSource).toContain('protocol.handle(APP_SCHEME,');
    expect(mainSource).not.toMatch(/loadFile\(rendererFile|pathToFileURL/);
  });

  it('the scheme serves files of the built renderer only', () => {
    const dir = '/opt/tv/out/renderer';
    expect(appFileFor('app://tunnelvision/index.html', dir)).toBe(`${dir}/index.html`);
    expect(appFileFor('app://tunnelvision/', dir)).toBe(`${dir}/index.html`);
    expect(appFileFor('app://tunnelvision/assets/index-abc.js', dir)).toBe(`${dir}/assets/index-abc.js`);
    // Dot segments never lead out of the folder (the URL parser drops them, or the check refuses them).
    for (const url of [
      'app://tunnelvision/../../etc/passwd',
      'app://tunnelvision/%2e%2e/%2e%2e/etc/passwd',
      'app://tunnelvision/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret',
    ]) {
      const file = appFileFor(url, dir);
      expect(file === null || file.startsWith(`${dir}/`), url).toBe(true);
    }
    expect(appFileFor('app://tunnelvision/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret', dir)).toBeNull();
    for (const url of [
      'app://other/index.html',
      'file:///etc/passwd',
      'https://tunnelvision/index.html',
      'app://tunnelvision/%E0%A4%A',
      'nonsense',
    ]) {
      expect(appFileFor(url, dir), url).toBeNull();
    }
  });

  it('ELECTRON_RENDERER_URL is honoured only in an unpackaged app, and only for a dev server on this machine', () => {
    const dev = 'http://localhost:5173/';
    expect(rendererUrl(false, { ELECTRON_RENDERER_URL: dev })).toBe(dev);
    expect(rendererUrl(true, { ELECTRON_RENDERER_URL: dev })).toBe(APP_URL);
    expect(rendererUrl(true, {})).toBe(APP_URL);
    expect(rendererUrl(false, {})).toBe(APP_URL);
    expect(rendererUrl(false, { ELECTRON_RENDERER_URL: 'https://evil.example/' })).toBe(APP_URL);
    expect(rendererUrl(false, { ELECTRON_RENDERER_URL: 'file:///tmp/evil.html' })).toBe(APP_URL);
    expect(mainSource).toContain('rendererUrl(app.isPackaged, process.env)');
    expect(mainSource.match(/ELECTRON_RENDERER_URL/g) ?? []).toEqual([]);
  });
});

describe('Electron fuses for packaging', () => {
  it('run-as-node, NODE_OPTIONS and --inspect off; cookie encryption on; the app only from its ASAR; no file:// privileges', () => {
    expect(fuseConfig()).toMatchObject({
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    });
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.fuses).toBe('tsx main/app/fuses.ts');
  });

  it("flips them on a binary carrying Electron's fuse wire", async () => {
    // Electron's binaries carry a sentinel followed by the wire: version 1, its length, one byte per fuse.
    const dir = mkdtempSync(join(tmpdir(), 'tv-fuses-'));
    try {
      const bin = join(dir, 'electron');
      const INHERIT = 0x90;
      writeFileSync(
        bin,
        Buffer.concat([
          Buffer.alloc(4096, 0xcc),
          Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'),
          Buffer.from([1, 8, ...Array(8).fill(INHERIT)]),
          Buffer.alloc(4096, 0xcc),
        ]),
      );
      const wire = (await applyFuses(bin)) as unknown as Record<number, number>;
      const ON = 0x31;
      const OFF = 0x30;
      expect([wire[FuseV1Options.RunAsNode], wire[FuseV1Options.EnableCookieEncryption], wire[FuseV1Options.OnlyLoadAppFromAsar]]).toEqual([
        OFF,
        ON,
        ON,
      ]);
      expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(OFF);
      expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(OFF);
      expect(await getCurrentFuseWire(bin)).toEqual(wire);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('web contents guards', () => {
  function fakeContents() {
    const events = new EventEmitter();
    let openHandler: ((d: { url: string }) => { action: string }) | null = null;
    let permission: ((wc: unknown, p: string, cb: (ok: boolean) => void) => void) | null = null;
    let check: (() => boolean) | null = null;
    const contents = {
      setWindowOpenHandler: (h: typeof openHandler) => (openHandler = h),
      on: (name: string, l: (...a: unknown[]) => void) => events.on(name, l),
      session: {
        setPermissionRequestHandler: (h: typeof permission) => (permission = h),
        setPermissionCheckHandler: (h: typeof check) => (check = h),
      },
    };
    return {
      contents,
      events,
      open: (url: string) => openHandler!({ url }),
      permission: (p: string) => new Promise<boolean>((res) => permission!(null, p, res)),
      check: () => check!(),
    };
  }
  const navigate = (events: EventEmitter, name: string, url: string) => {
    let prevented = false;
    events.emit(name, { preventDefault: () => (prevented = true) }, url);
    return prevented;
  };

  it('denies every new window; only links to the allowed documentation sites go to the system browser', () => {
    const f = fakeContents();
    const external: string[] = [];
    guardContents(f.contents as never, APP, (u) => external.push(u));
    for (const url of [
      'https://example.com/',
      'https://github.com.evil.example/x',
      'http://github.com/flannel-io/flannel',
      'https://user:pw@github.com/',
      'https://github.com:8443/',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'smb://host/share',
      'https://kubernetes.io/docs/',
    ]) {
      expect(f.open(url), url).toEqual({ action: 'deny' });
    }
    expect(external).toEqual(['https://kubernetes.io/docs/']);
    expect(EXTERNAL_ORIGINS.every((o) => o.startsWith('https://'))).toBe(true);
    expect(isAllowedExternal('https://www.wireshark.org/docs/')).toBe(true);
    expect(isAllowedExternal('not a url')).toBe(false);
    // The main process checks the list again before it calls shell.openExternal.
    expect(mainSource).toMatch(/if \(isAllowedExternal\(url\)\) void shell\.openExternal\(url\)/);
    expect(mainSource.match(/shell\.openExternal/g)).toHaveLength(1);
  });

  it('prevents navigation and redirects away from the app, and webviews', () => {
    const f = fakeContents();
    guardContents(f.contents as never, APP, () => {});
    expect(navigate(f.events, 'will-navigate', 'https://evil.example/')).toBe(true);
    expect(navigate(f.events, 'will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(navigate(f.events, 'will-redirect', 'http://127.0.0.1:1/')).toBe(true);
    expect(navigate(f.events, 'will-navigate', APP)).toBe(false);
    expect(navigate(f.events, 'will-attach-webview', 'x')).toBe(true);
  });

  it('refuses every permission request', async () => {
    const f = fakeContents();
    guardContents(f.contents as never, APP, () => {});
    expect(await f.permission('media')).toBe(false);
    expect(await f.permission('geolocation')).toBe(false);
    expect(f.check()).toBe(false);
  });

  it('trusts only the main frame of the app page', () => {
    expect(isTrustedSender(APP, true, APP)).toBe(true);
    expect(isTrustedSender(`${APP}#x`, true, APP)).toBe(true);
    expect(isTrustedSender(APP, false, APP)).toBe(false);
    expect(isTrustedSender('file:///tmp/evil.html', true, APP)).toBe(false);
    expect(isTrustedSender('file:///opt/tunnelvision/out/renderer/index.html', true, APP)).toBe(false);
    expect(isTrustedSender('app://evil/index.html', true, APP)).toBe(false);
    expect(isTrustedSender('https://evil.example/index.html', true, APP)).toBe(false);
    expect(isTrustedSender(undefined, true, APP)).toBe(false);
    expect(isTrustedSender('not a url', true, APP)).toBe(false);
  });
});

describe('IPC handlers', () => {
  function setup() {
    const handlers = new Map<string, (e: unknown, ...a: unknown[]) => Promise<unknown>>();
    const calls: unknown[][] = [];
    const api = new Proxy(
      {},
      {
        get:
          (_t, m: string) =>
          async (...a: unknown[]) => (calls.push([m, ...a]), `${m} done`),
      },
    ) as TunnelvisionApi;
    registerIpc(
      { handle: (ch: string, h: (e: unknown, ...a: unknown[]) => Promise<unknown>) => handlers.set(ch, h) } as never,
      api,
      () => APP,
      () => 7,
    );
    const event = (url: string, id = 7, parent: unknown = null) => ({ sender: { id }, senderFrame: { url, parent } });
    return { handlers, calls, event };
  }

  it('registers exactly one channel per contract method', () => {
    const { handlers } = setup();
    expect([...handlers.keys()].sort()).toEqual(METHOD_NAMES.map(channelOf).sort());
  });

  it("sends each of the backend's events to the window on its own channel, until stopped", () => {
    const hub = new EventHub();
    const sent: [string, unknown][] = [];
    const stop = forwardEvents(hub, (channel, payload) => sent.push([channel, payload]));
    const s1 = { phase: 'loading' } as AppState;
    hub.emit('state', s1);
    expect(sent).toEqual([[eventChannelOf('state'), s1]]);
    expect(EVENT_NAMES.map(eventChannelOf).every((c) => !METHOD_NAMES.map(channelOf).includes(c))).toBe(true);
    stop();
    hub.emit('state', { phase: 'ready' } as AppState);
    expect(sent).toHaveLength(1);
  });

  it('answers the app window', async () => {
    const { handlers, calls, event } = setup();
    await expect(handlers.get(channelOf('getPacket'))!(event(APP), { no: 3 })).resolves.toBe('getPacket done');
    expect(calls).toEqual([['getPacket', { no: 3 }]]);
  });

  it('refuses other senders: another window, a subframe, another page', async () => {
    const { handlers, calls, event } = setup();
    const h = handlers.get(channelOf('getState'))!;
    await expect(h(event(APP, 8))).rejects.toThrow(/refused/);
    await expect(h(event(APP, 7, {}))).rejects.toThrow(/refused/);
    await expect(h(event('https://evil.example/'))).rejects.toThrow(/refused/);
    expect(calls).toEqual([]);
  });

  it('validates arguments before the backend sees them', async () => {
    const { handlers, calls, event } = setup();
    const open = handlers.get(channelOf('openCaptures'))!;
    await expect(open(event(APP), { paths: '/etc/passwd', append: false })).rejects.toThrow(/expected an array/);
    await expect(open(event(APP), { paths: [], append: false })).rejects.toThrow(/fewer than 1/);
    await expect(open(event(APP), { paths: ['/a'], append: false, extra: 1 })).rejects.toThrow(/unexpected field/);
    await expect(open(event(APP), { paths: ['/a\u0000b'], append: false })).rejects.toThrow(/NUL/);
    await expect(handlers.get(channelOf('getPacket'))!(event(APP), { no: -1 })).rejects.toThrow(/out of range/);
    await expect(
      handlers.get(channelOf('queryPackets'))!(event(APP), {
        filter: '',
        element: null,
        sort: 'evil',
        descending: false,
        offset: 0,
        limit: 10,
        locate: 0,
      }),
    ).rejects.toThrow(/one of/);
    await expect(handlers.get(channelOf('getState'))!(event(APP), 'extra')).rejects.toThrow(/expected 0 argument/);
    expect(calls).toEqual([]);
  });
});

describe('Content-Security-Policy', () => {
  it('the meta tag of the page carries the policy', () => {
    const html = readFileSync(`${root}/renderer/index.html`, 'utf8');
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
    expect(meta?.[1]).toBe(CSP_META);
  });

  it('allows no inline or evaluated script, no remote anything', () => {
    for (const policy of [CSP, CSP_META]) {
      expect(policy).toContain("default-src 'none'");
      expect(policy).toContain("script-src 'self'");
      expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
      expect(policy).toContain("object-src 'none'");
      expect(policy).toContain("base-uri 'none'");
    }
    expect(CSP).toContain("frame-ancestors 'none'");
    expect(SECURITY_HEADERS['Content-Security-Policy']).toBe(CSP);
  });

  it('the renderer never renders capture text as HTML', () => {
    const files = readdirSync(`${root}/renderer`, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(tsx?|html)$/.test(f));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const text = readFileSync(`${root}/renderer/${f}`, 'utf8');
      expect(text, f).not.toMatch(
        /dangerouslySetInnerHTML|\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(/,
      );
    }
  });
});
