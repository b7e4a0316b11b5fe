/** Starts `kiln run --target hvt` of block-http-app.ts with a fresh disk file and a published loopback port. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, ROOT } from '../process/support.ts';

export interface BlockHttpRun {
  child: ChildProcess;
  /** Resolves with kiln's exit status. */
  exited: Promise<number | null>;
  port: number;
  disk: string;
  stamp: string;
  /** The start of the disk file's first sector, as text. */
  sectorZero(): string;
}

export async function startBlockHttp(work: string, stamp: string, env: NodeJS.ProcessEnv = process.env): Promise<BlockHttpRun> {
  const disk = join(work, 'disk.img');
  writeFileSync(disk, Buffer.alloc(1 << 20));
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'cli', 'kiln.js'), 'run', 'test/kiln-run/block-http-app.ts', '--target', 'hvt', '--no-check',
    '--mem', '32', '--publish', `${port}:8080`, '--block', disk, '--', '--port=8080', `--stamp=${stamp}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, port, disk, stamp, sectorZero: () => readFileSync(disk).subarray(0, 64).toString('latin1') };
}
