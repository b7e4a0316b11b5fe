import { execFileSync } from 'node:child_process';

/** Host programs and every shared library they load, for the test machine (which has libc but not these). */
export function programFiles(programs: string[]): string[] {
  const files = new Set<string>();
  for (const program of programs) {
    const ldd = execFileSync('ldd', [program], { encoding: 'utf8' });
    files.add(program);
    for (const m of ldd.matchAll(/=> (\/\S+)/g)) if (!/\/(libc|ld-linux[^/]*)\.so/.test(m[1]!)) files.add(m[1]!);
  }
  return [...files];
}
