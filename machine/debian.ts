// Fetches Debian packages with apt's own client and unpacks them. No root
// needed for either step; apt only needs to know the architecture (a host
// set-up step for arm64: `dpkg --add-architecture arm64 && apt-get update`).

import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class DebianError extends Error {
  override name = 'DebianError';
}

async function command(file: string, args: string[], cwd?: string): Promise<string> {
  try {
    const { stdout } = await run(file, args, { cwd, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new DebianError(`${file} ${args.join(' ')} failed: ${(stderr || message).trim()}`);
  }
}

async function missingPackagesHint(debianArch: string): Promise<string> {
  const native = (await command('dpkg', ['--print-architecture']).catch(() => '')).trim();
  if (native === debianArch) return 'apt has no package lists for this host; on the host run: apt-get update';
  return `apt knows no ${debianArch} packages; on the host run: dpkg --add-architecture ${debianArch} && apt-get update`;
}

/**
 * The versioned kernel package behind Debian's meta package, for example
 * linux-image-6.1.0-56-arm64. It names the cache entry, so a kernel update
 * in the archive leads to a fresh download.
 */
export async function kernelPackage(flavour: string, debianArch: string): Promise<string> {
  let out: string;
  try {
    out = await command('apt-cache', ['depends', `linux-image-${flavour}:${debianArch}`]);
  } catch (error) {
    throw new DebianError(`${(error as Error).message}\n${await missingPackagesHint(debianArch)}`);
  }
  const match = /Depends: (linux-image-[0-9][^\s:]*)/.exec(out);
  if (!match?.[1]) throw new DebianError(`no kernel image package behind linux-image-${flavour}:${debianArch}\n${await missingPackagesHint(debianArch)}`);
  return match[1];
}

/** Downloads the packages into downloadDir with `apt-get download` and unpacks all into root. */
export async function fetchAndUnpack(packages: string[], debianArch: string, downloadDir: string, root: string): Promise<void> {
  await command('apt-get', ['download', ...packages.map((p) => `${p}:${debianArch}`)], downloadDir);
  const debs = (await readdir(downloadDir)).filter((f) => f.endsWith('.deb'));
  if (debs.length !== packages.length) {
    throw new DebianError(`apt-get download gave ${debs.length} packages for ${packages.length} requested (${packages.join(', ')})`);
  }
  for (const deb of debs) await command('dpkg-deb', ['-x', join(downloadDir, deb), root]);
}
