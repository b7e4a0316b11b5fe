/**
 * The hosted platform's sandbox (runtime/hosted/sandbox.c), tested from the
 * application's side: sandbox_probe.c takes the runtime's place in a hosted
 * executable and makes one system call named on its command line, after the
 * platform has booted and confined itself. Calls the Solo5 API needs pass;
 * anything else (open, execve, socket, mmap, a forged number, a descriptor or
 * block range it did not open) kills the process by SIGSYS with one line.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRuntime, hostedUnavailable, ROOT } from './hosted.ts';

const unavailable = hostedUnavailable();
if (unavailable) console.warn(`SKIPPED: hosted sandbox test: ${unavailable}`);

const WORK = join(ROOT, 'build/runtime-test/sandbox');
const PROBE = join(WORK, 'probe');
const DISK = join(WORK, 'disk.img');
const DISK_BYTES = 8 * 1024 ** 3 + 4096; // past 4 GiB, so block checks meet 64-bit offsets; sparse

/** Compiles sandbox_probe.c and links it as the hosted executable's application, with (devices) in its manifest. */
function buildProbe(output: string, devices: string[]): void {
  const musl = '/usr/lib/x86_64-linux-musl/libc.a';
  const gccInclude = execFileSync('gcc', ['-print-file-name=include'], { encoding: 'utf8' }).trim();
  const libgcc = execFileSync('gcc', ['-print-libgcc-file-name'], { encoding: 'utf8' }).trim();
  const lib = join(ROOT, 'build/x86_64');
  execFileSync(join(lib, 'kiln-mft'), ['-o', join(WORK, 'manifest.c'), ...devices]);
  const cflags = ['-O2', '-fno-pic', '-fno-pie', '-ffreestanding', '-nostdinc', '-isystem', '/usr/include/x86_64-linux-musl',
    '-isystem', gccInclude, '-I', join(ROOT, 'runtime/hosted'), '-I', join(ROOT, 'platform-solo5/include'), '-Wall', '-Wextra', '-Werror'];
  for (const [src, obj] of [[join(ROOT, 'runtime/test/sandbox_probe.c'), 'probe.o'], [join(WORK, 'manifest.c'), 'manifest.o']] as const) {
    execFileSync('gcc', [...cflags, '-c', src, '-o', join(WORK, obj)]);
  }
  execFileSync('gcc', ['-nostdlib', '-static', '-no-pie', '-Wl,--gc-sections', '-o', output, join(WORK, 'probe.o'), join(WORK, 'manifest.o'),
    '-Wl,--whole-archive', join(lib, 'hosted/libkiln-hosted.a'), join(lib, 'runtime/libkiln-libc.a'), '-Wl,--no-whole-archive',
    join(lib, 'runtime/libkiln-runtime.a'), join(lib, 'runtime/libquickjs.a'), musl, libgcc]);
}

function probe(call: string, options: string[] = []) {
  return spawnSync(PROBE, [`--block:storage=${DISK}`, ...options, '--', call], { encoding: 'utf8', timeout: 20_000 });
}

describe.skipIf(unavailable !== null)('hosted sandbox (seccomp-BPF allow-list, no_new_privs, no inherited descriptors)', () => {
  beforeAll(() => {
    buildRuntime();
    rmSync(WORK, { recursive: true, force: true });
    mkdirSync(WORK, { recursive: true });
    buildProbe(PROBE, ['storage:BLOCK_BASIC']);
    writeFileSync(DISK, '');
    execFileSync('truncate', ['-s', String(DISK_BYTES), DISK]);
  });
  afterAll(() => rmSync(DISK, { force: true }));

  it('allows what the Solo5 API needs: console, clocks, whole ranges of its block device, flushing it', () => {
    for (const call of ['console', 'clock', 'block-first', 'block-last', 'block-across-4g', 'block-flush']) {
      const r = probe(call);
      expect({ call, status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ call, status: 0, signal: null, stderr: '' });
      expect(r.stdout).toMatch(new RegExp(`allowed ${call}\\n$`));
    }
  });

  it('kills anything else by SIGSYS, naming the call on stderr', () => {
    const refused: Record<string, string> = {
      open: '2 (open)', openat: '257 (openat)', execve: '59 (execve)', socket: '41 (socket)', mmap: '9 (mmap)',
      tls: '158 (another call)', forged: '4242 (another call)', x32: '1073741863 (another call)',
      'write-stdin': '1 (write)', 'read-stdin': '0 (read)', 'clock-other': '228 (another call)',
      'block-past-end': '18 (pwrite64)', 'block-huge-count': '17 (pread64)', 'block-negative': '17 (pread64)',
      'block-other-fd': '17 (pread64)', 'flush-other-fd': '75 (fdatasync)',
    };
    for (const [call, named] of Object.entries(refused)) {
      const r = probe(call);
      expect({ call, signal: r.signal, stdout: r.stdout }).toEqual({ call, signal: 'SIGSYS', stdout: '' });
      expect(r.stderr).toBe(`kiln-process: sandbox: the app made system call ${named}, which the sandbox does not allow; stopping it (SIGSYS)\n`);
    }
  });

  it('checks the last of 60 block devices, every filter jump in reach', () => {
    const many = join(WORK, 'probe-many');
    const names = Array.from({ length: 60 }, (_, i) => `disk${i}`);
    buildProbe(many, names.map((n) => `${n}:BLOCK_BASIC`));
    const attach = names.map((n) => {
      const file = join(WORK, `${n}.img`);
      writeFileSync(file, Buffer.alloc(4096));
      return `--block:${n}=${file}`;
    });
    const call = (what: string) => spawnSync(many, [...attach, '--', what], { encoding: 'utf8', timeout: 20_000 });
    expect(call('block-last')).toMatchObject({ status: 0, stdout: 'allowed block-last\n', stderr: '' });
    expect(call('block-first')).toMatchObject({ status: 0, stdout: 'allowed block-first\n' });
    expect(call('block-past-end')).toMatchObject({ signal: 'SIGSYS', stdout: '' });
    expect(call('open')).toMatchObject({ signal: 'SIGSYS', stdout: '' });
  });

  it('with --sandbox=off (for valgrind, which has no seccomp) says so, and the same calls pass', () => {
    for (const call of ['open', 'socket', 'block-past-end']) {
      const r = probe(call, ['--sandbox=off']);
      expect({ call, status: r.status, stdout: r.stdout }).toEqual({ call, status: 0, stdout: `allowed ${call}\n` });
      expect(r.stderr).toBe("kiln-process: --sandbox=off: no system-call filter; the app has this process's rights\n");
    }
  });

  it('runs with the filter and no_new_privs on, holding only stdio and its device', async () => {
    const inherited = join(WORK, 'inherited.txt');
    writeFileSync(inherited, 'x');
    const child = spawn(PROBE, [`--block:storage=${DISK}`, '--', 'sleep'], { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
      expect(status).toMatch(/^Seccomp:\s+2$/m);
      if (process.getuid?.() === 0) {
        // A non-dumpable process's descriptors are visible to root only.
        const fds = readdirSync(`/proc/${child.pid}/fd`).map(Number).sort((a, b) => a - b);
        expect(fds).toEqual([0, 1, 2, 3]);
        expect(readlinkSync(`/proc/${child.pid}/fd/3`)).toBe(DISK);
      } else {
        console.warn('SKIPPED: the descriptor check needs root (the sandboxed process is not dumpable)');
      }
    } finally {
      child.kill('SIGKILL');
    }
  });
});
