// The renderer's only door to the rest of the app: named functions of the contract, each one IPC
// call, exposed through contextBridge (the page never sees ipcRenderer, Node or Electron). Bundled
// into one file so it runs in the sandbox.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { MENU_CHANNEL, channelOf, forwardContract, isMenuCommand, type DesktopExtras, type TunnelvisionApi } from '../common/contract';

const api: TunnelvisionApi = forwardContract((method, args) => ipcRenderer.invoke(channelOf(method), ...args));

const extras: DesktopExtras = {
  pathForFile: (file) => webUtils.getPathForFile(file),
  onMenuCommand: (listener) => {
    const handler = (_event: unknown, command: unknown) => {
      if (isMenuCommand(command)) listener(command);
    };
    ipcRenderer.on(MENU_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(MENU_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('tunnelvision', api);
contextBridge.exposeInMainWorld('tunnelvisionDesktop', extras);
