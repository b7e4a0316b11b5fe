import { execFileSync } from 'node:child_process';

/** Whether the host's shell finds `name` (`command -v`): a program on PATH, or a builtin. */
export function hostHasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
