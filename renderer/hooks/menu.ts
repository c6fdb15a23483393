// The desktop menu's commands (common/contract.ts: MENU_COMMANDS), each a typed callback: the record
// must have a handler for every command or the renderer does not compile. Browser mode has no menu.
import { useEffect, useRef } from 'react';
import type { MenuCommand } from '../../common/contract';
import { desktop } from '../api';

export type MenuHandlers = Readonly<Record<MenuCommand, () => void>>;

export function useMenuCommands(handlers: MenuHandlers): void {
  // The latest handlers run (they close over the list's current filter); the subscription stays.
  const current = useRef(handlers);
  current.current = handlers;
  useEffect(() => desktop?.onMenuCommand((c) => current.current[c]()), []);
}
