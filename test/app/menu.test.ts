// Each desktop menu item reaches its own action, typed end to end: opening goes through the
// contract, exports are MENU_COMMANDS sent to the window (where the UI has one handler per
// command, renderer/hooks/menu.ts), and every command the UI handles has a menu item that sends it.
import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { MENU_COMMANDS, type MenuCommand } from '../../common/contract';
import { findMenuItem, menuActions, menuTemplate, type MenuItemId } from '../../main/app/menu';

function setup() {
  const happened: unknown[][] = [];
  const actions = menuActions({
    api: {
      chooseCaptures: async (a) => (happened.push(['chooseCaptures', a]), null as never),
      chooseDataset: async () => (happened.push(['chooseDataset']), null as never),
      openCaptures: async (a) => (happened.push(['openCaptures', a]), null as never),
    },
    send: (command: MenuCommand) => happened.push(['send', command]),
    changed: () => happened.push(['changed']),
    failed: (e) => happened.push(['failed', e]),
    quit: () => happened.push(['quit']),
    about: () => happened.push(['about']),
  });
  const template = menuTemplate(actions, ['/captures/a.pcap', '/captures/b.pcapng'], false);
  const click = async (id: MenuItemId) => {
    happened.length = 0;
    const item = findMenuItem(template, id);
    expect(item?.click, id).toBeTypeOf('function');
    item!.click!({} as never, undefined, {});
    await new Promise((r) => setTimeout(r, 0));
    return [...happened];
  };
  return { template, click };
}

/** Every item id in a template. */
const ids = (items: readonly MenuItemConstructorOptions[]): string[] =>
  items.flatMap((it) => [...(it.id ? [it.id] : []), ...(Array.isArray(it.submenu) ? ids(it.submenu) : [])]);

describe('desktop menu', () => {
  it('each item calls its own action and nothing else', async () => {
    const { click } = setup();
    expect(await click('openCaptures')).toEqual([['chooseCaptures', { append: false }], ['changed']]);
    expect(await click('addCaptures')).toEqual([['chooseCaptures', { append: true }], ['changed']]);
    expect(await click('openDataset')).toEqual([['chooseDataset'], ['changed']]);
    expect(await click('openRecent:1')).toEqual([['openCaptures', { paths: ['/captures/b.pcapng'], append: false }], ['changed']]);
    expect(await click('exportPcapng')).toEqual([['send', 'export-pcapng']]);
    expect(await click('exportReport')).toEqual([['send', 'export-report']]);
    expect(await click('quit')).toEqual([['quit']]);
    expect(await click('about')).toEqual([['about']]);
  });

  it('has an item for every action and sends every command the window handles', async () => {
    const { template, click } = setup();
    expect(ids(template).sort()).toEqual(
      [
        'about',
        'addCaptures',
        'exportPcapng',
        'exportReport',
        'openCaptures',
        'openDataset',
        'openRecent:0',
        'openRecent:1',
        'quit',
      ].sort(),
    );
    const sent: unknown[] = [];
    for (const id of ids(template)) sent.push(...(await click(id as MenuItemId)).filter((h) => h[0] === 'send').map((h) => h[1]));
    expect([...new Set(sent)].sort()).toEqual([...MENU_COMMANDS].sort());
  });

  it('a failed action is reported, not thrown', async () => {
    const failures: unknown[] = [];
    const actions = menuActions({
      api: {
        chooseCaptures: async () => Promise.reject(new Error('no such file')),
        chooseDataset: async () => null as never,
        openCaptures: async () => null as never,
      },
      send: () => undefined,
      changed: () => undefined,
      failed: (e) => failures.push(e),
      quit: () => undefined,
      about: () => undefined,
    });
    actions.openCaptures();
    await new Promise((r) => setTimeout(r, 0));
    expect(String(failures[0])).toMatch(/no such file/);
  });
});
