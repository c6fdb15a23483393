// Child process for the crash tests: saves sessions and gets killed in the middle.
//   kill-before-rename FILE CAPTURE: saves one note, then dies (SIGKILL) after writing a second
//                                    save's temporary file and before renaming it into place.
//   loop FILE CAPTURE:               saves ever larger sessions, printing "writing N" before and
//                                    "saved N" after each save, until it is killed.
import { SessionStore } from '../../main/session';

const [mode, file, capture] = process.argv.slice(2);
const say = (s: string) => process.stdout.write(s + '\n');

if (mode === 'kill-before-rename') {
  let armed = false;
  const store = await SessionStore.create(file, [capture], {
    autosaveMs: -1,
    atomic: {
      beforeRename: () => {
        if (armed) process.kill(process.pid, 'SIGKILL');
      },
    },
  });
  const id = store.captures[0].id;
  store.addAnnotation({ target: { kind: 'packet', capture: id, packet: 3 }, text: 'kept: saved before the crash', severity: 'problem' });
  await store.save();
  say('saved 1');
  armed = true;
  store.addAnnotation({ target: { kind: 'set' }, text: 'lost: the process dies before this save is renamed into place' });
  await store.save();
  say('not reached');
} else if (mode === 'loop') {
  const store = await SessionStore.create(file, [capture], { autosaveMs: -1 });
  const id = store.captures[0].id;
  const filler = 'n'.repeat(4000);
  for (let n = 1; ; n++) {
    for (let i = 0; i < 5000; i++)
      store.addAnnotation({ target: { kind: 'packet', capture: id, packet: i }, text: `round ${n} note ${i} ${filler}` });
    say(`writing ${n}`);
    await store.save();
    say(`saved ${n}`);
  }
}
