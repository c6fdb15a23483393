// The preload, run against a stand-in for the three Electron objects it touches (Electron's runtime
// is not installed here; test/e2e/electron.test.ts runs the real one where it is): it exposes the
// contract's methods, its events and the desktop extras under three names and nothing else; an
// event listener gets the payload only (never the IPC event, which holds the sender), on that
// event's own channel; unknown events and menu commands are refused.
import { EventEmitter } from 'node:events';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  MENU_CHANNEL,
  METHOD_NAMES,
  channelOf,
  eventChannelOf,
  type DesktopExtras,
  type EventName,
  type TunnelvisionApi,
  type TunnelvisionEvents,
} from '../../common/contract';

const exposed = new Map<string, unknown>();
const ipc = new EventEmitter();
const invoked: unknown[][] = [];

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (name: string, value: unknown) => exposed.set(name, value) },
  ipcRenderer: {
    invoke: async (...args: unknown[]) => invoked.push(args),
    on: (channel: string, h: (...a: unknown[]) => void) => ipc.on(channel, h),
    removeListener: (channel: string, h: (...a: unknown[]) => void) => ipc.removeListener(channel, h),
  },
  webUtils: { getPathForFile: () => '/dropped.pcap' },
}));

beforeAll(async () => {
  await import('../../preload/index');
});

describe('preload', () => {
  it('exposes the contract, its events and the desktop extras, and nothing else', async () => {
    expect([...exposed.keys()].sort()).toEqual(['tunnelvision', 'tunnelvisionDesktop', 'tunnelvisionEvents']);
    const api = exposed.get('tunnelvision') as TunnelvisionApi;
    expect(Object.keys(api).sort()).toEqual([...METHOD_NAMES].sort());
    await api.getPacket({ no: 3 });
    expect(invoked).toEqual([[channelOf('getPacket'), { no: 3 }]]);
    expect(Object.keys(exposed.get('tunnelvisionEvents') as object)).toEqual(['subscribe']);
  });

  it('an event reaches its listener as its payload only, on its own channel, until unsubscribed', () => {
    const events = exposed.get('tunnelvisionEvents') as TunnelvisionEvents;
    const got: unknown[][] = [];
    const stop = events.subscribe('state', (...args: unknown[]) => got.push(args));
    ipc.emit(eventChannelOf('state'), { sender: 'secret' }, { phase: 'ready' });
    ipc.emit(channelOf('getState'), { sender: 'secret' }, { phase: 'other channel' });
    expect(got).toEqual([[{ phase: 'ready' }]]);
    stop();
    ipc.emit(eventChannelOf('state'), {}, { phase: 'after' });
    expect(got).toHaveLength(1);
    expect(ipc.listenerCount(eventChannelOf('state'))).toBe(0);
  });

  it('refuses an event the contract does not name', () => {
    const events = exposed.get('tunnelvisionEvents') as TunnelvisionEvents;
    expect(() => events.subscribe('invoke' as EventName, () => undefined)).toThrow(/no such event/);
    expect(ipc.eventNames()).toEqual([]);
  });

  it('passes on menu commands the contract names, and only those', () => {
    const desktop = exposed.get('tunnelvisionDesktop') as DesktopExtras;
    const got: unknown[] = [];
    const stop = desktop.onMenuCommand((c) => got.push(c));
    ipc.emit(MENU_CHANNEL, {}, 'export-report');
    ipc.emit(MENU_CHANNEL, {}, 'rm -rf');
    expect(got).toEqual(['export-report']);
    stop();
    expect(ipc.listenerCount(MENU_CHANNEL)).toBe(0);
  });
});
