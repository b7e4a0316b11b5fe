/** What the process-target tests need, and a way to wait for a child's line. */
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { missingForInterop } from '../interop/tap-namespace.ts';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Why process images cannot be built and run here, or null. */
export function processUnavailable(): string | null {
  if (process.arch !== 'x64' || process.platform !== 'linux') return 'needs Linux on x86_64';
  if (!existsSync('/usr/lib/x86_64-linux-musl/libc.a')) return 'needs musl-dev';
  return null;
}

/** What the networked tests lack (root, /dev/net/tun, tools), or null. */
export function missingForProcessNet(tools = ['ip', 'curl', 'nc', 'ping']): string | null {
  return existsSync('/dev/net/tun') ? missingForInterop(tools) : '/dev/net/tun';
}

/**
 * Collects a child's stdout and stderr; resolves once a line matches (ready),
 * and rejects with what it printed if it exits first or (timeoutMs) passes.
 * The returned function gives everything printed so far.
 */
export function waitForLine(child: ChildProcess, ready: RegExp, timeoutMs: number): Promise<() => string> {
  let output = '';
  const collect = (d: Buffer) => (output += d.toString());
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no line matching ${ready} within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const check = () => {
      if (!ready.test(output)) return;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.stderr?.off('data', check);
      resolve(() => output);
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code ?? signal}) before a line matching ${ready}:\n${output}`));
    });
  });
}

/** A loopback port nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
