// Which kernel modules to load, and in what order, read from the unpacked
// kernel package itself: each module's .modinfo names its dependencies.
// (The package has no modules.dep; depmod makes that at install time.)

import { readFile, readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';

import { ElfFile } from './elf.ts';

export interface Module {
  name: string;
  path: string;
}

/**
 * The modules to insmod, dependencies first, from the kernel package
 * unpacked at root. A wanted module built into this kernel is skipped.
 */
export async function moduleLoadOrder(root: string, wanted: string[]): Promise<Module[]> {
  const [version] = await readdir(join(root, 'lib', 'modules'));
  if (!version) throw new Error('the kernel package has no /lib/modules');
  const base = join(root, 'lib', 'modules', version);
  const available = new Map<string, string>();
  for (const file of await readdir(join(base, 'kernel'), { recursive: true })) {
    if (file.endsWith('.ko')) available.set(moduleName(posix.basename(file)), join(base, 'kernel', file));
  }
  const builtin = new Set(
    (await readFile(join(base, 'modules.builtin'), 'utf8')).split('\n').filter(Boolean).map((p) => moduleName(posix.basename(p))),
  );
  const order: Module[] = [];
  const visit = async (name: string, chain: string[]): Promise<void> => {
    if (builtin.has(name) || order.some((m) => m.name === name)) return;
    if (chain.includes(name)) throw new Error(`module dependency cycle: ${[...chain, name].join(' -> ')}`);
    const path = available.get(name);
    if (!path) throw new Error(`kernel module ${name} is neither in ${version}'s package nor built in`);
    const depends = new ElfFile(path, await readFile(path)).modinfo('depends').flatMap((d) => d.split(',')).filter(Boolean);
    for (const dep of depends) await visit(moduleName(dep), [...chain, name]);
    order.push({ name, path });
  };
  for (const name of wanted) await visit(moduleName(name), []);
  return order;
}

/** Linux treats '-' and '_' in module names alike; files may use either. */
function moduleName(file: string): string {
  return file.replace(/\.ko$/, '').replace(/-/g, '_');
}
