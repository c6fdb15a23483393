// The renderer's only door to the rest of the app: named functions of the contract, each one IPC
// call, exposed through contextBridge (the page never sees ipcRenderer, Node or Electron). Bundled
// into one file so it runs in the sandbox.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { channelOf, type MethodName, type TunnelvisionApi } from '../common/contract';

const invoke = (method: MethodName, ...args: unknown[]) => ipcRenderer.invoke(channelOf(method), ...args);

const api: TunnelvisionApi = {
  getState: () => invoke('getState'),
  openCaptures: (a) => invoke('openCaptures', a),
  openCaptureFiles: (a) => invoke('openCaptureFiles', a),
  chooseCaptures: (a) => invoke('chooseCaptures', a),
  cancelLoad: () => invoke('cancelLoad'),
  setAttribution: (a) => invoke('setAttribution', a),
  setDecodeAs: (a) => invoke('setDecodeAs', a),
  getGraph: () => invoke('getGraph'),
  queryPackets: (a) => invoke('queryPackets', a),
  getPacket: (a) => invoke('getPacket', a),
  followPacket: (a) => invoke('followPacket', a),
  followFlow: (a) => invoke('followFlow', a),
  flowsThrough: (a) => invoke('flowsThrough', a),
  exportPcapng: (a) => invoke('exportPcapng', a),
  exportReport: (a) => invoke('exportReport', a),
  listNotes: () => invoke('listNotes'),
  rememberFilter: (a) => invoke('rememberFilter', a),
  addNote: (a) => invoke('addNote', a),
  updateNote: (a) => invoke('updateNote', a),
  removeNote: (a) => invoke('removeNote', a),
};

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
