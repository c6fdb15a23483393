// The renderer's only door to the rest of the app: named functions of the contract, each one IPC
// call, exposed through contextBridge (the page never sees ipcRenderer, Node or Electron). Bundled
// into one file so it runs in the sandbox.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { channelOf, forwardContract, type TunnelvisionApi } from '../common/contract';

const api: TunnelvisionApi = forwardContract((method, args) => ipcRenderer.invoke(channelOf(method), ...args));

/** What only the desktop shell can do: the path of a dropped file, menu commands. */
export interface DesktopExtras {
  pathForFile(file: File): string;
  onMenuCommand(listener: (command: string) => void): void;
}

const extras: DesktopExtras = {
  pathForFile: (file) => webUtils.getPathForFile(file),
  onMenuCommand: (listener) => {
    ipcRenderer.on('tunnelvision:menu', (_event, command: unknown) => {
      if (typeof command === 'string') listener(command);
    });
  },
};

contextBridge.exposeInMainWorld('tunnelvision', api);
contextBridge.exposeInMainWorld('tunnelvisionDesktop', extras);
