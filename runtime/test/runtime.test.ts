/**
 * The Kiln runtime, run for real as a hosted image (QuickJS + runtime +
 * libc shims + musl, the Solo5 API over Linux system calls): output, timers,
 * job ordering, exit codes, uncaught failures, memory, devices, and the
 * bytecode compiler's errors.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, build, buildRuntime, compile, hostedUnavailable, run } from './hosted.ts';

const unavailable = hostedUnavailable();
if (unavailable) console.warn(`SKIPPED: runtime hosted tests: ${unavailable}`);

describe.skipIf(unavailable !== null)('runtime (hosted)', () => {
  beforeAll(() => buildRuntime());

  it('prints, formats console arguments and exits 0', () => {
    const image = build('hello', `
      console.log("hello", 42, true, null, undefined, 10n, { a: [1, "x"] }, [1, 2]);
      const cyclic = {}; cyclic.self = cyclic;
      console.error("cyclic", cyclic);
      __kiln.write("raw ");
      __kiln.write(new Uint8Array([0x6f, 0x6b, 0x0a]));
    `);
    const r = run(image);
    expect(r.stdout).toBe('hello 42 true null undefined 10n {"a":[1,"x"]} [1,2]\ncyclic [object Object]\nraw ok\n');
    expect(r.status).toBe(0);
  });

  it('runs synchronous code, then microtasks, then timers by deadline and arming order', () => {
    const image = build('ordering', `
      const log = [];
      setTimeout(() => log.push("t20"), 20);
      setTimeout(() => log.push("t0-a"), 0);
      setTimeout(() => { log.push("t0-b"); Promise.resolve().then(() => log.push("micro-in-t0-b")); }, 0);
      setTimeout(() => log.push("t0-c"), 0);
      setImmediate((x) => log.push("imm-" + x), "arg");
      clearImmediate(setImmediate(() => log.push("cleared immediate")));
      setTimeout(() => log.push("t5"), 5);
      Promise.resolve().then(() => log.push("micro1")).then(() => log.push("micro2"));
      queueMicrotask(() => log.push("queued"));
      log.push("sync");
      setTimeout(() => { console.log(log.join(",")); }, 40);
    `);
    const r = run(image);
    expect(r.stdout.trim()).toBe('sync,micro1,queued,micro2,t0-a,t0-b,micro-in-t0-b,t0-c,imm-arg,t5,t20');
    expect(r.status).toBe(0);
  });

  it('clears timeouts and intervals, passes timer arguments, waits for real time', () => {
    const image = build('intervals', `
      const start = __kiln.monotonicMs();
      let n = 0;
      const cancelled = setTimeout(() => console.log("must not run"), 1);
      clearTimeout(cancelled);
      clearTimeout(12345678); clearTimeout("junk"); clearInterval(undefined);
      const id = setInterval((a, b) => {
        n++;
        if (n === 3) { clearInterval(id); console.log("args", a, b, "ticks", n, "elapsed>=30", __kiln.monotonicMs() - start >= 30); }
      }, 10, "x", 7);
      setTimeout(() => console.log("after", n), 60);
    `);
    const r = run(image);
    expect(r.stdout).toBe('args x 7 ticks 3 elapsed>=30 true\nafter 3\n');
    expect(r.status).toBe(0);
  });

  it('ends the loop when only timers that do not keep it alive remain', () => {
    const image = build('keepalive', `
      let ticks = 0;
      const background = setInterval(() => ticks++, 1);
      console.log(__kiln.timerKeepAlive(background, false), __kiln.timerKeepAlive(123456789, false));
      const again = setInterval(() => {}, 1);
      __kiln.timerKeepAlive(again, false);
      __kiln.timerKeepAlive(again, true);
      setTimeout(() => { clearInterval(again); console.log("done", ticks > 0); }, 30);
    `);
    const r = run(image);
    expect(r).toMatchObject({ status: 0, stdout: 'true false\ndone true\n' });
  });

  it('exits with exitCode at the end, or at once with exit()', () => {
    expect(run(build('exitcode', '__kiln.exitCode = 3; setTimeout(() => console.log("done"), 1);')))
      .toMatchObject({ status: 3, stdout: 'done\n' });
    expect(run(build('exitnow', 'setTimeout(() => console.log("never"), 1); console.log("before"); __kiln.exit(7); console.log("after");')))
      .toMatchObject({ status: 7, stdout: 'before\n' });
    const bad = run(build('exitbad', 'try { __kiln.exit(300); } catch (e) { console.log(e.code, e.message); }'));
    expect(bad.stdout).toBe('EINVAL exit: status 300 is not in 0..255\n');
    expect(bad.status).toBe(0);
  });

  it('reports an uncaught exception with its stack (file:line) and exits 1', () => {
    const image = build('throws', [
      'function inner() {',
      '  throw new TypeError("boom");',
      '}',
      'function outer() { inner(); }',
      'console.log("before");',
      'outer();',
      'console.log("not reached");',
    ].join('\n'));
    const r = run(image);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('before\nUncaught TypeError: boom\n');
    expect(r.stdout).toMatch(/at inner \(throws\.js:2\)/);
    expect(r.stdout).toMatch(/at outer \(throws\.js:4\)/); // a one-line function
    expect(r.stdout).toMatch(/at <anonymous> \(throws\.js:6\)/);
    expect(r.stdout).not.toContain('not reached');
  });

  it('passes printed stacks through __kiln.formatStack, and prints them unchanged when it fails', () => {
    const image = build('formatstack', [
      '__kiln.formatStack = (stack) => stack.replace(/formatstack\\.js:(\\d+)/g, (_, n) => "src/app.ts:" + (n * 10));',
      'console.error(new Error("logged"));',
      '__kiln.formatStack = () => { throw new Error("formatter broke"); };',
      'console.log(new RangeError("raw"));',
      '__kiln.formatStack = (stack) => stack.toUpperCase();',
      'function fail() { throw new Error("boom"); }',
      'fail();',
    ].join('\n'));
    const r = run(image);
    expect(r.stdout).toBe([
      'Error: logged', '    at <anonymous> (src/app.ts:20)',
      'RangeError: raw', '    at <anonymous> (formatstack.js:4)',
      'Uncaught Error: boom', '    AT FAIL (FORMATSTACK.JS:6)', '    AT <ANONYMOUS> (FORMATSTACK.JS:7)', '',
    ].join('\n'));
    expect(r.status).toBe(1);
  });

  it('fails on an exception thrown in a timer or microtask, and on a non-Error throw', () => {
    const timer = run(build('timerthrow', 'setTimeout(function tick() { null.x; }, 1); setTimeout(() => console.log("later"), 50);'));
    expect(timer.status).toBe(1);
    expect(timer.stdout).toMatch(/^Uncaught TypeError: .*\n\s+at tick \(timerthrow\.js:1\)/);
    expect(timer.stdout).not.toContain('later');
    const micro = run(build('microthrow', 'queueMicrotask(() => { throw 42; });'));
    expect(micro).toMatchObject({ status: 1, stdout: 'Uncaught 42\n' });
  });

  it('fails on an unhandled rejection, but not on one handled within the same turn', () => {
    const r = run(build('rejects', 'async function f() { throw new Error("nope"); } f(); setTimeout(() => console.log("later"), 50);'));
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^Uncaught \(in promise\) Error: nope\n\s+at f \(rejects\.js:1\)/);
    expect(r.stdout).not.toContain('later');
    const handled = run(build('handled', `
      const p = Promise.reject(new Error("x"));
      Promise.resolve().then(() => p.catch(e => console.log("caught", e.message)));
    `));
    expect(handled).toMatchObject({ status: 0, stdout: 'caught x\n' });
  });

  it('runs scripts as well as modules; a module is strict', () => {
    expect(run(build('script', 'var x = 1; console.log(typeof globalThis.x, this === globalThis);', { script: true })).stdout)
      .toBe('number true\n');
    expect(run(build('module', 'console.log(this === undefined, (function () { return this; })() === undefined);')).stdout)
      .toBe('true true\n');
  });

  it('passes the command line and gives clocks, randomness and memory figures', () => {
    const image = build('env', `
      console.log(JSON.stringify(__kiln.argv), __kiln.cmdline);
      const a = __kiln.monotonicNs(), b = __kiln.monotonicNs();
      console.log(typeof a, b >= a, Math.abs(__kiln.wallMs() - Date.now()) < 1000, Math.abs(Number(__kiln.wallNs() / 1000000n) - Date.now()) < 1000);
      const r1 = __kiln.randomBytes(new Uint8Array(32)), r2 = crypto.getRandomValues(new Uint8Array(32));
      console.log(r1.some(x => x !== 0), r1.join() !== r2.join(), ["rdseed", "rdrand", "jitter"].includes(__kiln.randomSource));
      const m = __kiln.memory();
      console.log(m.heapSize > 0, m.inUse > m.jsStack, m.peak >= m.inUse, m.jsStack === 8 * 1024 * 1024);
      // heapFree: what memory()'s figures leave (the object memory() made in between moves it by less than a page or two).
      const free = __kiln.heapFree(), f = __kiln.memory();
      console.log(Math.abs(free - (f.heapSize - Math.max(f.inUse, f.pagesUsed * 4096))) <= 8192, free > 0);
      console.log(__kiln.startup().engineNs > 0, performance.now() > 0);
    `);
    const r = run(image, ['--', '--ipv4=10.0.0.2/24', 'x']);
    expect(r.stdout).toBe('["--ipv4=10.0.0.2/24","x"] --ipv4=10.0.0.2/24 x\nbigint true true true\ntrue true true\ntrue true true true\ntrue true\ntrue true\n');
    expect(r.status).toBe(0);
  });

  it('runs in 16 MB, survives running out of memory, and frees what the app drops', () => {
    const image = build('memory', `
      let before = __kiln.memory().inUse;
      let keep = [];
      for (let i = 0; i < 20000; i++) keep.push({ i, s: "item" + i, a: [i, i + 1] });
      const grown = __kiln.memory().inUse;
      keep = null;
      __kiln.gc();
      const after = __kiln.memory().inUse;
      console.log("grew", grown > before + 1000000, "released", after < grown - 1000000);
      try {
        const hog = [];
        for (;;) hog.push(new ArrayBuffer(1 << 20));
      } catch (e) {
        console.log("oom", e instanceof Error || e === null, String(e).includes("out of memory"));
      }
      __kiln.gc();
      const again = []; for (let i = 0; i < 1000; i++) again.push("s" + i);
      console.log("usable again", again.length, __kiln.memory().heapSize < 16 * 1024 * 1024);
    `);
    const r = run(image, ['--mem=16']);
    expect(r.stdout).toBe('grew true released true\noom true true\nusable again 1000 true\n');
    expect(r.status).toBe(0);
  });

  it('lets an out-of-memory reaching the loop end only that work: a timer, a microtask, a rejection; counted, told once', () => {
    const image = build('oomloop', `
      function exhaust() { const hog = []; for (;;) hog.push(new ArrayBuffer(1 << 20)); }
      (async function rejected() { exhaust(); })();
      queueMicrotask(function micro() { exhaust(); });
      setTimeout(function timer() { exhaust(); }, 1);
      setTimeout(() => console.log("alive", __kiln.memory().outOfMemory), 20);
    `);
    const r = run(image, ['--mem=16']);
    expect(r.stdout).toMatch(/^kiln: out of memory in a promise job: that work is dropped, the unikernel goes on .*\nalive 3\n$/);
    expect(r.status).toBe(0);
  });

  it('collects cyclic garbage in time when the live set fills most of a 16 MB heap', () => {
    // Without the runtime capping QuickJS's collection threshold, the next
    // collection would be due beyond the heap: out of memory at turn ~10.
    const image = build('cycles', `
      const live = [];
      let turns = 0;
      function churn() {
        for (let i = 0; i < 1000; i++) { const a = { pad: new Array(60).fill(i) }; const b = { a }; a.b = b; }
        if (turns < 9) live.push(new Uint8Array(1 << 20));
        if (++turns < 200) setTimeout(churn, 0);
        else console.log("done", turns, __kiln.memory().peak < 16 * 1048576);
      }
      churn();
    `);
    expect(run(image, ['--mem=16'])).toMatchObject({ status: 0, stdout: 'done 200 true\n' });
  });

  it('allows deep recursion, turns stack overflow into a catchable error and trims its trace', () => {
    const image = build('recursion', [
      'function f(n) { return n === 0 ? 0 : f(n - 1) + 1; }',
      'console.log(f(2500));',
      'try { f(1e7); } catch (e) { console.log(e.name, e.message); }',
      'f(1e7);',
    ].join('\n'));
    const r = run(image, ['--mem=16']);
    expect(r.stdout).toMatch(/^2500\nInternalError stack overflow\nUncaught InternalError: stack overflow\n(    at f \(recursion\.js:1\)\n){40}    \.\.\. \d+ more frames\n$/);
    expect(r.status).toBe(1);
  });

  it('reads, writes and flushes a block device in whole blocks, refusing bad requests with codes', () => {
    const disk = join(ROOT, 'build/runtime-test/disk.img');
    const initial = Buffer.alloc(8192);
    initial.write('first sector', 0);
    writeFileSync(disk, initial);
    const image = build('block', `
      const d = __kiln.blockAcquire("storage");
      console.log(d.capacity, d.blockSize, d.durableFlush);
      const buf = new Uint8Array(512);
      __kiln.blockRead(d.handle, 0, buf);
      console.log(String.fromCharCode(...buf.subarray(0, 12)));
      buf.fill(0x41);
      __kiln.blockWrite(d.handle, 1024, buf);
      __kiln.blockFlush(d.handle);
      const attempts = [
        () => __kiln.blockFlush(d.handle + 1),
        () => __kiln.blockRead(d.handle, 100, buf),
        () => __kiln.blockRead(d.handle, 0, new Uint8Array(100)),
        () => __kiln.blockRead(d.handle, 8192, buf),
        () => __kiln.blockWrite(d.handle, 7680, new Uint8Array(1024)),
        () => __kiln.blockRead(d.handle + 1, 0, buf),
        () => __kiln.blockAcquire("storage"),
        () => __kiln.blockAcquire("nothing"),
        () => __kiln.netAcquire("storage"),
      ];
      for (const f of attempts) { try { f(); console.log("accepted?!"); } catch (e) { console.log(e.code); } }
    `, { devices: ['storage:BLOCK_BASIC'] });
    const r = run(image, ['--block:storage=' + disk]);
    expect(r.stdout).toBe('8192 512 true\nfirst sector\nEINVAL\nEINVAL\nEINVAL\nERANGE\nERANGE\nEINVAL\nENODEV\nENODEV\nENODEV\n');
    expect(r.status).toBe(0);
    const after = readFileSync(disk);
    expect(after.subarray(1024, 1536).every((b) => b === 0x41)).toBe(true);
    expect(after.subarray(1536, 8192).every((b) => b === 0)).toBe(true);
    expect(after.subarray(512, 1024).every((b) => b === 0)).toBe(true);
  });

  it('provides TextEncoder and TextDecoder with the WHATWG UTF-8 rules (same output as Node)', () => {
    const image = build('text', `
      const enc = new TextEncoder(), dec = new TextDecoder();
      const hex = (u8) => Array.from(u8, b => b.toString(16).padStart(2, "0")).join(" ");
      console.log(enc.encoding, dec.encoding, dec.fatal, dec.ignoreBOM);
      console.log(hex(enc.encode("aé€😀")), hex(enc.encode("x\\ud800y")), enc.encode().length);
      console.log(dec.decode(enc.encode("aé€😀")) === "aé€😀");
      console.log(JSON.stringify(dec.decode(new Uint8Array([0xf0, 0x80, 0x80, 0x41, 0xc0, 0xff, 0xed, 0xa0, 0x80, 0xe2, 0x82]))));
      console.log(JSON.stringify(dec.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))), JSON.stringify(new TextDecoder("utf-8", { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))));
      const s = new TextDecoder(); const bytes = enc.encode("😀é");
      console.log(JSON.stringify(s.decode(bytes.subarray(0, 2), { stream: true }) + s.decode(bytes.subarray(2, 5), { stream: true }) + s.decode(bytes.subarray(5))));
      try { new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array([0xff])); } catch (e) { console.log(e.name, e.message); }
      try { new TextDecoder("latin1"); } catch (e) { console.log(e.name, e.message); }
      console.log(new TextDecoder(" UTF8 ").encoding, dec.decode(new DataView(new Uint8Array([0x68, 0x69]).buffer)), dec.decode(new Uint8Array([0x68, 0x69]).buffer));
      const dst = new Uint8Array(5); console.log(JSON.stringify(enc.encodeInto("a😀b", dst)), hex(dst));
      try { TextEncoder(); } catch (e) { console.log(e.name); }
    `);
    const r = run(image);
    expect(r.stdout).toBe([
      'utf-8 utf-8 false false',
      '61 c3 a9 e2 82 ac f0 9f 98 80 78 ef bf bd 79 0',
      'true',
      '"\ufffd\ufffd\ufffdA\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd"',
      '"A" "\ufeffA"',
      '"😀é"',
      'TypeError TextDecoder: the input is not valid UTF-8',
      "RangeError TextDecoder: encoding 'latin1' is not supported (UTF-8 only)",
      'utf-8 hi hi',
      '{"read":3,"written":5} 61 f0 9f 98 80',
      'TypeError',
      '',
    ].join('\n'));
    expect(r.status).toBe(0);
  });

  it('gives strings, arrays and typed arrays at() (ES2022, which QuickJS 2021 lacks), answering as Node does', () => {
    // Each line is evaluated here on Node and in the image; the answers must match.
    const cases = [
      '[1, 2, 3].at(0)', '[1, 2, 3].at(-1)', '[1, 2, 3].at(-3)', '[1, 2, 3].at(-4)', '[1, 2, 3].at(3)',
      '[1, 2, 3].at(1.9)', '[1, 2, 3].at(-0.5)', '[1, 2, 3].at("2")', '[1, 2, 3].at()', '[1, 2, 3].at(NaN)',
      '[1, 2, 3].at(Infinity)', '[1, 2, 3].at(-Infinity)', '[].at(0)', '[, 5].at(0)',
      '"héllo".at(1)', '"héllo".at(-1)', '"😀".at(0).length', '"abc".at(5)', 'new String("xyz").at(-2)',
      'new Uint8Array([7, 8, 9]).at(-1)', 'new Float64Array([0.5]).at(0)', 'new BigInt64Array([3n]).at(-1)',
      'Array.prototype.at.call({ length: 2, 0: "a", 1: "b" }, -1)', 'Array.prototype.at.call("str", 0)',
      'Array.prototype.at.call({ length: 2 ** 32 + 1, [2 ** 32]: "far" }, -1)',
      'Array.prototype.at.length', 'Object.keys(Array.prototype).includes("at")',
      'JSON.stringify(Object.getOwnPropertyDescriptor(Uint8Array.prototype.__proto__, "at"), (k, v) => k === "value" ? typeof v : v)',
      'typeof Object.getOwnPropertyDescriptor(String.prototype, "at").value',
    ];
    const throwing = ['Array.prototype.at.call(null, 0)', 'String.prototype.at.call(undefined, 0)', '[1].at(Symbol())'];
    const show = (v: unknown) => typeof v === 'bigint' ? `${v}n` : String(v);
    const expected = [
      ...cases.map((c) => show((0, eval)(c))),
      ...throwing.map((c) => { try { (0, eval)(c); return 'no throw'; } catch (e) { return (e as Error).name; } }),
    ];
    const image = build('relative-at', `
      const show = (v) => typeof v === "bigint" ? v + "n" : String(v);
      for (const c of ${JSON.stringify(cases)}) console.log(show((0, eval)(c)));
      for (const c of ${JSON.stringify(throwing)}) { try { (0, eval)(c); console.log("no throw"); } catch (e) { console.log(e.name); } }
    `);
    const r = run(image);
    expect(r.stdout).toBe(expected.map((line) => `${line}\n`).join(''));
    expect(r.status).toBe(0);
  });

  it('sums checksum words natively, to the same checksum as the JavaScript sum, and checks its ranges', () => {
    const image = build('sumwords', `
      function sumWords(bytes, start, end, sum = 0) {
        let i = start;
        for (; i + 1 < end; i += 2) sum += (bytes[i] << 8) | bytes[i + 1];
        if (i < end) sum += bytes[i] << 8;
        return sum > 0x7fffffff ? (sum & 0xffff) + (sum >>> 16) : sum;
      }
      const finish = (sum) => { while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16); return ~sum & 0xffff; };
      const buf = new Uint8Array(4096), r = new Uint32Array(3);
      let same = 0;
      for (let k = 0; k < 2000; k++) {
        __kiln.randomBytes(buf); __kiln.randomBytes(r);
        const a = r[0] % 4097, b = a + r[1] % (4097 - a), init = r[2] % 0x40000;
        const native = __kiln.sumWords(buf, a, b, init);
        if (native <= 0xffff && finish(native) === finish(sumWords(buf, a, b, init))) same++;
      }
      const ones = new Uint8Array(1500).fill(0xff);
      console.log(same, __kiln.sumWords(ones), __kiln.sumWords(new Uint8Array([1, 2, 3])), __kiln.sumWords(ones.buffer, 1, 2, 1));
      for (const args of [[buf, 5, 4097], [buf, -1], [buf, 1.5], [buf, 0, 10, -3], [buf, 10, 5]]) {
        try { console.log(__kiln.sumWords(...args)); } catch (e) { console.log(e.code); }
      }
    `);
    const r = run(image);
    expect(r.stdout).toBe('2000 65535 1026 65281\nERANGE\nERANGE\nERANGE\nERANGE\n0\n');
    expect(r.status).toBe(0);
  });

  it('answers junk arguments to every binding with a clear error and keeps running', () => {
    const image = build('junk', `
      const u8 = new Uint8Array(16);
      const calls = {
        write: () => __kiln.write(),
        writeNumber: () => __kiln.write(42),
        writeLookalike: () => __kiln.write({ buffer: new ArrayBuffer(4), byteLength: 4 }),
        exitNaN: () => __kiln.exit(-1),
        setTimeoutNoFn: () => setTimeout("code", 1),
        setIntervalNoArgs: () => setInterval(),
        netReadNoArgs: () => __kiln.netRead(),
        netReadBadHandle: () => __kiln.netRead(99, u8),
        netReadString: () => __kiln.netRead("0", u8),
        netWriteFraction: () => __kiln.netWrite(0.5, u8),
        netWatchNoFn: () => __kiln.netWatch(0, 42),
        netAcquireNumber: () => __kiln.netAcquire(7),
        blockAcquireNone: () => __kiln.blockAcquire(),
        blockReadNegative: () => __kiln.blockRead(0, -512, u8),
        randomBytesString: () => __kiln.randomBytes("abc"),
        randomBytesObject: () => __kiln.randomBytes({ length: 4 }),
        queueMicrotaskNoFn: () => queueMicrotask(1),
      };
      for (const [name, f] of Object.entries(calls)) {
        try { f(); console.log(name, "accepted"); }
        catch (e) { console.log(name, e.constructor.name, e.code ?? "-"); }
      }
      console.log("alive", __kiln.randomBytes(u8) === u8);
    `);
    const r = run(image);
    expect(r.stdout).toBe([
      'write TypeError -', 'writeNumber TypeError -', 'writeLookalike TypeError -', 'exitNaN Error EINVAL',
      'setTimeoutNoFn TypeError -', 'setIntervalNoArgs TypeError -', 'netReadNoArgs TypeError -',
      'netReadBadHandle Error EINVAL', 'netReadString Error EINVAL', 'netWriteFraction Error EINVAL',
      'netWatchNoFn Error EINVAL', 'netAcquireNumber TypeError -', 'blockAcquireNone TypeError -',
      'blockReadNegative Error EINVAL', 'randomBytesString TypeError -', 'randomBytesObject TypeError -',
      'queueMicrotaskNoFn TypeError -', 'alive true', '',
    ].join('\n'));
    expect(r.status).toBe(0);
  });

  it('refuses a manifest device left unattached, unknown options and unknown devices', () => {
    const image = build('needsdisk', 'console.log("ran");', { devices: ['storage:BLOCK_BASIC'] });
    const missing = run(image);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("device 'storage' of the manifest is not attached");
    const unknown = run(image, ['--frobnicate']);
    expect(unknown.stderr).toContain('unknown option --frobnicate');
    const other = run(image, ['--block:other=/dev/null']);
    expect(other.stderr).toContain("the image's manifest declares no device 'other'");
    const kind = run(image, ['--net:storage=tap0']);
    expect(kind.stderr).toContain("--net:storage=tap0: 'storage' is not a network device");
    const size = run(image, ['--block-sector-size:storage=1000', '--block:storage=/dev/null']);
    expect(size.stderr).toContain('the sector size must be a power of two');
    const forking = run(build('forking', 'console.log("ran");', { devices: ['pipes:KILN_PIPE'] }));
    expect(forking.stderr).toBe("kiln-process: the image declares Kiln's pipe device 'pipes', which a process does not provide " +
      '(fork and pipes need kiln-hvt: build for --target hvt, or run on unix)\n');
    for (const r of [missing, unknown, other, kind, size, forking]) expect(r).toMatchObject({ status: 1, stdout: '' });
  });

  it('compiles to bytecode without the source text; reports syntax errors and imports', () => {
    const ok = compile('nosource', '// MARKER_IN_COMMENT\nfunction f() { return 1 + 2; /* MARKER_IN_BODY */ }\nconsole.log(f.toString().length);\n');
    expect(ok.status).toBe(0);
    const text = readFileSync(ok.bytecode).toString('latin1');
    expect(text).not.toContain('MARKER');
    expect(text.startsWith('KILNQBC\0')).toBe(true);
    const bad = compile('syntax', 'let x = ;\n');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/SyntaxError.*\n.*syntax\.js:1/);
    const imports = compile('imports', 'import { x } from "./elsewhere.js";\nconsole.log(x);\n');
    expect(imports.status).toBe(1);
    expect(imports.stderr).toContain("the bundle imports 'elsewhere.js'");
  });

  it('refuses embedded bytecode that is not kiln-qjsc output', () => {
    const c = compile('corrupt', 'console.log(1);');
    const bytes = readFileSync(c.bytecode);
    bytes.write('NOTKILN!', 0, 'latin1');
    writeFileSync(c.bytecode, bytes);
    const mft = join(ROOT, 'build/runtime-test/corrupt.manifest.c');
    execFileSync(join(ROOT, 'build/x86_64/kiln-mft'), ['-o', mft]);
    const image = join(ROOT, 'build/runtime-test/corrupt.hosted');
    execFileSync(join(ROOT, 'runtime/link-image.sh'), ['--target', 'hosted', '--manifest', mft, '-o', image, c.bytecode], { stdio: 'ignore' });
    const r = run(image);
    expect(r.stdout).toBe('kiln: embedded file is not kiln-qjsc bytecode\n');
    expect(r.status).toBe(1);
  });

  it('links an hvt image with the Solo5 notes and no Linux system calls', () => {
    const image = build('hvtimage', 'console.log("hi");', { target: 'hvt', devices: ['service:NET_BASIC'] });
    const notes = execFileSync('readelf', ['-n', '-W', image], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(notes).toContain('Solo5');
    const disasm = execFileSync('objdump', ['-d', image], { encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(disasm).not.toMatch(/\tsyscall/);
  });

  it('keeps the allocator correct under random load (C unit test against a shadow model)', () => {
    const bin = join(ROOT, 'build/runtime-test/heap_test');
    execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-Werror', '-I', join(ROOT, 'runtime/libc'),
      join(ROOT, 'runtime/test/heap_test.c'), join(ROOT, 'runtime/libc/heap.c'), '-o', bin]);
    expect(execFileSync(bin, { encoding: 'utf8' })).toMatch(/^heap_test: ok/);
  });
});
