// Electron fuses of a packaged Tunnelvision: switches compiled into the Electron binary that no
// environment variable or command-line flag can turn back. The project has no packager config of
// its own: `npm run fuses -- PATH` flips them on a packaged app's Electron binary (or its .app on
// macOS); a packager's afterPack hook can call `applyFuses` instead.
//
//   RunAsNode off                      ELECTRON_RUN_AS_NODE cannot turn the app into a plain Node.js
//   EnableNodeOptionsEnvironmentVariable off, EnableNodeCliInspectArguments off
//                                      NODE_OPTIONS and --inspect cannot inject code or a debugger
//   EnableCookieEncryption on          cookies on disk are encrypted with the OS key store
//   OnlyLoadAppFromAsar on             the app's code is read from its app.asar only, not a folder beside it
//   GrantFileProtocolExtraPrivileges off  file:// pages get no extra powers (the page is app://tunnelvision/)
//   EnableEmbeddedAsarIntegrityValidation off  on only with a packager that embeds the ASAR's hash
//                                      (electron-builder, Forge): without it the app would not start
//   LoadBrowserProcessSpecificV8Snapshot off  (no custom snapshot)
import { FuseV1Options, FuseVersion, flipFuses, getCurrentFuseWire, type FuseV1Config } from '@electron/fuses';

export function fuseConfig(): FuseV1Config {
  return {
    version: FuseVersion.V1,
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableCookieEncryption]: true,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: false,
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  };
}

/** Flips the fuses of the Electron binary at `electronPath`; returns the fuse wire as it now reads. */
export async function applyFuses(electronPath: string): Promise<Awaited<ReturnType<typeof getCurrentFuseWire>>> {
  await flipFuses(electronPath, fuseConfig());
  return getCurrentFuseWire(electronPath);
}

// `npm run fuses -- PATH`
if (process.argv[1] && /fuses\.ts$/.test(process.argv[1])) {
  const target = process.argv[2];
  if (!target) {
    process.stderr.write('usage: npm run fuses -- PATH-TO-PACKAGED-ELECTRON-BINARY (or the .app on macOS)\n');
    process.exitCode = 2;
  } else {
    applyFuses(target).then(
      (wire) => {
        const names = Object.keys(FuseV1Options).filter((k) => Number.isNaN(Number(k)));
        for (const name of names) {
          const v = (wire as unknown as Record<number, number>)[FuseV1Options[name as keyof typeof FuseV1Options]];
          process.stdout.write(`${name}: ${v === 49 ? 'on' : v === 48 ? 'off' : v === undefined ? 'absent' : 'unchanged'}\n`);
        }
      },
      (e: unknown) => {
        process.stderr.write(`fuses: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 1;
      },
    );
  }
}
