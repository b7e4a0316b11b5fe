/**
 * The examples under `kiln run --target process`: each image runs as a Linux
 * process confined by its seccomp filter (runtime/hosted/sandbox.c) and
 * still does its job. The networked ones sit on a tap in a namespace this
 * file creates and are reached from it with curl, nc and ping. pipeline
 * declares fork and pipes, which a process does not provide: refused with
 * one line.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingForProcessNet, processUnavailable, ROOT, waitForLine } from './support.ts';

const KILN = join(ROOT, 'cli', 'kiln.js');
const unavailable = processUnavailable();
if (unavailable) console.warn(`SKIPPED: process-target examples: ${unavailable}`);
const netMissing = unavailable ?? missingForProcessNet();
if (!unavailable && netMissing) console.warn(`SKIPPED: process-target network examples: needs ${netMissing}`);

const kiln = (...args: string[]) => spawnSync(process.execPath, [KILN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });

/** The seccomp mode of the running process whose command line names (image). */
function seccompOf(image: string): string | undefined {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(image)) continue;
      return /^Seccomp:\s+(\d)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

describe.skipIf(unavailable !== null)('examples as sandboxed processes (kiln run --target process)', () => {
  it('hello prints its lines and exits 0', () => {
    const r = kiln('run', 'examples/hello', '--target', 'process', '--no-check');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Hello from Kiln!\nmonotonic clock: \d+ ns since boot\nwall clock: \d{4}-/);
  });

  it('pipeline (fork, pipes) is refused with one line', () => {
    const r = kiln('build', 'examples/pipeline', '--target', 'process', '--no-check', '-o', join(ROOT, 'build', 'pipeline.process'));
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'kiln build: pipeline declares pipe(), fork(), which --target process does not provide (fork and pipes need kiln-hvt): use --target hvt, or unix\n',
    );
  });

  it('refuses hvt-only options and other architectures with one line each', () => {
    expect(kiln('run', 'examples/hello', '--target', 'process', '--no-check', '--fork-net', 'tap1').stderr).toBe(
      'kiln run: --fork-net applies to --target hvt only (a process has no fork)\n',
    );
    expect(kiln('build', 'examples/hello', '--target', 'process', '--no-check', '--arch', 'aarch64', '-o', '/dev/null').stderr).toBe(
      'kiln build: --target process builds x86_64 Linux executables only (runtime/hosted)\n',
    );
  });
});

describe.skipIf(netMissing !== null)('networked examples as sandboxed processes, on a tap in a private namespace', () => {
  const NS = `kiln-proc-${process.pid}`;
  const TAP = 'kproc0';
  const inNs = (...command: string[]) => execFileSync('ip', ['netns', 'exec', NS, ...command], { encoding: 'utf8', timeout: 30_000 });
  let running: ChildProcess | null = null;

  /** Starts `kiln run <example> --target process` in the namespace; resolves once (ready) is printed. */
  async function start(example: string, ready: RegExp, args: string[]): Promise<{ child: ChildProcess; output: () => string }> {
    const child = spawn('ip', ['netns', 'exec', NS, process.execPath, KILN, 'run', `examples/${example}`, '--target', 'process', '--no-check',
      `--net:service=${TAP}`, '--', '--ipv4=10.78.0.2/24', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    running = child;
    const output = await waitForLine(child, ready, 120_000);
    expect(seccompOf(join(ROOT, 'build', 'x86_64', 'apps', `${example}.process`))).toBe('2');
    return { child, output };
  }

  /** Stops the running example with SIGINT (as Ctrl-C would: a stop request); resolves with its exit status. */
  function stop(child: ChildProcess): Promise<number | string | null> {
    return new Promise((resolve) => {
      child.on('exit', (code, signal) => resolve(code ?? signal));
      child.kill('SIGINT');
    });
  }

  beforeAll(() => {
    execFileSync('ip', ['netns', 'add', NS]);
    inNs('ip', 'link', 'set', 'lo', 'up');
    inNs('ip', 'tuntap', 'add', 'dev', TAP, 'mode', 'tap');
    inNs('ip', 'addr', 'add', '10.78.0.1/24', 'dev', TAP);
    inNs('ip', 'link', 'set', TAP, 'up');
  });
  afterAll(() => {
    running?.kill('SIGKILL');
    execFileSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
  });

  it('http answers curl', async () => {
    const { child } = await start('http', /http: listening on/, ['--port=8080']);
    const body = inNs('curl', '-sS', '--max-time', '10', 'http://10.78.0.2:8080/');
    expect(body.length).toBeGreaterThan(0);
    const notFound = inNs('curl', '-sS', '--max-time', '10', '-o', '/dev/null', '-w', '%{http_code}', 'http://10.78.0.2:8080/nothing-here');
    expect(notFound).toBe('404');
    expect(await stop(child)).toBe(0); // a stop request, handled under the filter
  });

  it('echo echoes what nc sends', async () => {
    const { child } = await start('echo', /echo: listening on/, ['--port=7']);
    const text = 'the filter lets the stack through\n';
    expect(execFileSync('ip', ['netns', 'exec', NS, 'nc', '-N', '-w', '5', '10.78.0.2', '7'], { input: text, encoding: 'utf8', timeout: 30_000 })).toBe(text);
    expect(await stop(child)).toBe(0); // a stop request, handled under the filter
  });

  it('ping answers ICMP echo and exits 0 when its time is up', async () => {
    const { child, output } = await start('ping', /ping: answering ICMP echo/, ['--seconds=3']);
    expect(inNs('ping', '-c', '5', '-i', '0.1', '-W', '2', '10.78.0.2')).toMatch(/5 packets transmitted, 5 received/);
    const status = await new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
    expect(status).toBe(0);
    expect(output()).toMatch(/ping: done; icmp counters/);
  });
});
