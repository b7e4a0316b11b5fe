/**
 * The runtime as a real hvt image under kiln-hvt with KVM (on this host when
 * it has /dev/kvm, otherwise inside the test harness's emulated machine):
 * the same programs as the hosted suite, so both platforms behave alike.
 * All cases share one VM boot.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type KvmCaseResult, kvmPlace, runKvmCases } from '../../test/harness/cases.ts';
import { ROOT, build, buildRuntime, hostedUnavailable } from './hosted.ts';

const place = await kvmPlace();
const skip = hostedUnavailable() ?? ('skip' in place ? place.skip : null);
if (skip) console.warn(`SKIPPED: runtime hvt image tests: ${skip}`);

const TENDER = join(ROOT, 'build/x86_64/kiln-hvt');

const PROGRAMS: Record<string, string> = {
  hello: `
    console.log("hello", 42, { a: [1, "x"] }, 10n, JSON.stringify(__kiln.argv));
    setTimeout(() => console.log("timer"), 5);
    Promise.resolve().then(() => console.log("microtask"));
    console.log("engine-ms", (__kiln.startup().engineNs / 1e6).toFixed(2), "random", __kiln.randomSource);
  `,
  throws: 'function inner() {\n  throw new TypeError("boom");\n}\ninner();\n',
  rejects: 'async function f() { throw new Error("nope"); }\nf();\n',
  exits: '__kiln.exitCode = 3; setTimeout(() => { console.log("exiting"); __kiln.exit(7); }, 5);',
  memory: `
    let keep = [];
    for (let i = 0; i < 20000; i++) keep.push({ i, s: "item" + i });
    keep = null; __kiln.gc();
    try { const hog = []; for (;;) hog.push(new ArrayBuffer(1 << 20)); }
    catch (e) { console.log("oom", String(e).includes("out of memory")); }
    console.log("heap-mb", Math.round(__kiln.memory().heapSize / 1048576));
  `,
  recursion: `
    function f(n) { return n === 0 ? 0 : f(n - 1) + 1; }
    console.log(f(2500));
    try { f(1e7); } catch (e) { console.log(e.name, e.message); }
  `,
  block: `
    const d = __kiln.blockAcquire("storage");
    const buf = new Uint8Array(d.blockSize).fill(0x5a);
    __kiln.blockWrite(d.handle, d.blockSize, buf);
    const back = new Uint8Array(d.blockSize);
    __kiln.blockRead(d.handle, d.blockSize, back);
    let code; try { __kiln.blockRead(d.handle, d.capacity, back); } catch (e) { code = e.code; }
    console.log("block", d.capacity, d.blockSize, back.every(b => b === 0x5a), code);
  `,
};

const DEVICES: Record<string, string[]> = { block: ['storage:BLOCK_BASIC'] };

const CASES = [
  { name: 'hello', run: './kiln-hvt --mem=16 hello.hvt a b' },
  { name: 'throws', run: './kiln-hvt --mem=16 throws.hvt' },
  { name: 'rejects', run: './kiln-hvt --mem=16 rejects.hvt' },
  { name: 'exits', run: './kiln-hvt --mem=16 exits.hvt' },
  { name: 'memory', run: './kiln-hvt --mem=16 memory.hvt' },
  { name: 'recursion', run: './kiln-hvt --mem=16 recursion.hvt' },
  {
    name: 'block',
    run: 'dd if=/dev/zero of=disk.img bs=512 count=64 2>/dev/null && ./kiln-hvt --mem=16 --block:storage=disk.img block.hvt',
  },
];

let results: Map<string, KvmCaseResult>;
const result = (name: string): KvmCaseResult => {
  const r = results.get(name);
  if (!r) throw new Error(`no result for ${name}`);
  return r;
};

describe.skipIf(skip !== null)('runtime as hvt images under kiln-hvt (real KVM)', () => {
  beforeAll(async () => {
    buildRuntime();
    const images: string[] = [];
    for (const [name, src] of Object.entries(PROGRAMS)) {
      images.push(build(name, src, { target: 'hvt', devices: DEVICES[name] ?? [], dir: 'hvt' }));
      // The builds are synchronous: let the worker answer vitest's RPC between them (it gives up after a minute).
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    results = await runKvmCases([TENDER, ...images], CASES);
  }, 15 * 60_000);

  it('boots, prints, runs microtasks and timers, exits 0', () => {
    const r = result('hello');
    console.info(`hvt hello image: ${r.output.split('\n')[1]}`);
    expect(r.output).toMatch(/^hello 42 \{"a":\[1,"x"\]\} 10n \["a","b"\]\nengine-ms \d+\.\d+ random \w+\nmicrotask\ntimer\n/);
    expect(r.status).toBe(0);
  });

  it('reports uncaught exceptions and rejections with file:line and exits 1', () => {
    expect(result('throws').output).toMatch(/Uncaught TypeError: boom\n\s+at inner \(throws\.js:2\)/);
    expect(result('throws').status).toBe(1);
    expect(result('rejects').output).toMatch(/Uncaught \(in promise\) Error: nope\n\s+at f \(rejects\.js:1\)/);
    expect(result('rejects').status).toBe(1);
  });

  it('exits at once with exit(), overriding exitCode', () => {
    expect(result('exits').output).toMatch(/^exiting\n/);
    expect(result('exits').status).toBe(7);
  });

  it('runs in --mem=16 and survives running out of memory', () => {
    expect(result('memory').output).toMatch(/^oom true\nheap-mb 1[0-5]\n/);
    expect(result('memory').status).toBe(0);
  });

  it('runs JavaScript on its own stack: deep recursion, catchable overflow', () => {
    expect(result('recursion').output).toBe('2500\nInternalError stack overflow\n');
    expect(result('recursion').status).toBe(0);
  });

  it('reads and writes the block device, refusing out-of-range requests', () => {
    expect(result('block').output).toMatch(/^block 32768 512 true ERANGE\n/);
    expect(result('block').status).toBe(0);
  });
});
