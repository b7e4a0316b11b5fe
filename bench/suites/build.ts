/**
 * What the suites build, each thing once per run however many suites use it
 * (suites are prepared at once: the hello image serves size and boot, the
 * http image both http and memory). Everything lands in build/bench/ under
 * the name it has in the test machine, where a batch's files sit side by
 * side. buildImage serialises its make steps under a lock in build/ (and
 * test/platform/build.ts's buildPlatform takes the same), so suites can be
 * prepared at once.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bundleApp } from '../../cli/bundle.ts';
import { buildImage } from '../../cli/image.ts';
import { repoRoot } from '../../cli/paths.ts';

const OUT = join(repoRoot, 'build', 'bench');
const run = promisify(execFile);

/** Outputs by name: what made each (to refuse one name for two things) and when it is ready. */
const made = new Map<string, { what: string; done: Promise<string> }>();

function once(name: string, what: string, make: (output: string) => Promise<unknown>): Promise<string> {
  const known = made.get(name);
  if (known && known.what !== what) throw new Error(`bench: build/bench/${name} asked for as ${known.what} and as ${what}`);
  if (known) return known.done;
  mkdirSync(OUT, { recursive: true });
  const output = join(OUT, name);
  const done = make(output).then(() => output);
  made.set(name, { what, done });
  return done;
}

/** APP's x86_64 hvt image as build/bench/NAME. */
export const benchImage = (app: string, name: string): Promise<string> =>
  once(name, `the image of ${app}`, (output) => buildImage(app, 'x86_64', output));

/** APP built for the hosted platform (the image's contents as a Linux process, runtime/hosted) as build/bench/NAME. */
export const benchHosted = (app: string, name: string): Promise<string> =>
  once(name, `the hosted build of ${app}`, (output) => buildImage(app, 'x86_64', output, 'process'));

/** APP's unix bundle (what `node` runs) as build/bench/NAME. */
export const benchBundle = (app: string, name: string): Promise<string> =>
  once(name, `the unix bundle of ${app}`, (output) => bundleApp(app, 'unix', output));

/** A static Linux program from one C file, as build/bench/NAME. */
export const benchProgram = (source: string, name: string): Promise<string> =>
  once(name, `the program ${source}`, (output) => run('gcc', ['-Wall', '-Wextra', '-O2', '-static', '-o', output, source]));

/** A Linux program from one C file linked with the host's OpenSSL (shared: static OpenSSL wants glibc's dlopen), as build/bench/NAME. */
export const benchOpensslProgram = (source: string, name: string): Promise<string> =>
  once(name, `the OpenSSL program ${source}`, (output) => run('gcc', ['-Wall', '-Wextra', '-O2', '-o', output, source, '-lssl', '-lcrypto']));
