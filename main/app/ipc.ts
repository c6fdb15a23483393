// Electron IPC: one handler per contract method. Every message's sender is checked (our window,
// main frame, our page) and its arguments validated against the contract before the backend runs.
// The other way, every event of the contract is forwarded to the window on its own channel.
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import {
  EVENT_NAMES,
  METHOD_NAMES,
  channelOf,
  eventChannelOf,
  validateArgs,
  type TunnelvisionApi,
  type TunnelvisionEvents,
} from '../../common/contract';
import { isTrustedSender } from './window';

export function registerIpc(
  ipcMain: Pick<IpcMain, 'handle'>,
  api: TunnelvisionApi,
  appUrl: () => string,
  windowId: () => number | null,
): void {
  for (const method of METHOD_NAMES) {
    ipcMain.handle(channelOf(method), async (event: IpcMainInvokeEvent, ...args: unknown[]) => {
      const frame = event.senderFrame;
      const fromWindow = windowId() !== null && event.sender.id === windowId();
      if (!fromWindow || !isTrustedSender(frame?.url, frame?.parent === null, appUrl())) {
        throw new Error(`refused ${method}: not sent by the Tunnelvision window`);
      }
      validateArgs(method, args);
      const fn = api[method] as (...a: unknown[]) => Promise<unknown>;
      return fn.apply(api, args);
    });
  }
}

/**
 * Sends every event of `source` to the window (`send` reaches its web contents, or nothing when it
 * is closed). Returns the function that stops it.
 */
export function forwardEvents(source: TunnelvisionEvents, send: (channel: string, payload: unknown) => void): () => void {
  const stops = EVENT_NAMES.map((event) => source.subscribe(event, (payload) => send(eventChannelOf(event), payload)));
  return () => stops.forEach((stop) => stop());
}
