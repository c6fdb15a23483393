// The renderer's only door to the rest of the app: named functions of the contract, each one IPC
// call, exposed through contextBridge (the page never sees ipcRenderer, Node or Electron), and the
// contract's events, each on its own channel, by name. Bundled into one file so it runs in the sandbox.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import {
  MENU_CHANNEL,
  channelOf,
  eventChannelOf,
  forwardContract,
  isEventName,
  isMenuCommand,
  type DesktopExtras,
  type TunnelvisionApi,
  type TunnelvisionEvents,
} from '../common/contract';

const api: TunnelvisionApi = forwardContract((method, args) => ipcRenderer.invoke(channelOf(method), ...args));

/** Listens on one channel; the listener gets the payload only (never the IPC event, which holds the sender). */
function listen(channel: string, listener: (payload: unknown) => void): () => void {
  const handler = (_event: unknown, payload: unknown) => listener(payload);
  ipcRenderer.on(channel, handler);
  return () => {
    ipcRenderer.removeListener(channel, handler);
  };
}

const events: TunnelvisionEvents = {
  subscribe(event, listener) {
    if (!isEventName(event)) throw new Error(`no such event: ${String(event)}`);
    // Sound: main sends each event's channel only the payload of that event (main/app/ipc.ts).
    return listen(eventChannelOf(event), listener as (payload: unknown) => void);
  },
};

const extras: DesktopExtras = {
  pathForFile: (file) => webUtils.getPathForFile(file),
  onMenuCommand: (listener) =>
    listen(MENU_CHANNEL, (command) => {
      if (isMenuCommand(command)) listener(command);
    }),
};

contextBridge.exposeInMainWorld('tunnelvision', api);
contextBridge.exposeInMainWorld('tunnelvisionEvents', events);
contextBridge.exposeInMainWorld('tunnelvisionDesktop', extras);
