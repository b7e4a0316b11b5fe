/**
 * The web-platform-tests cases of fetch/api/headers/ (and the Headers guard
 * cases of fetch/api/response/), written here as a table from what each
 * case checks: the WPT file, the case's name, and a check that throws when
 * the implementation differs. Run under Node (headers.test.ts) and inside an
 * image (test/images/web-app.ts). The cases left out, and why, are listed in
 * lib/web/README.md.
 */

interface Env {
  Headers: new (init?: unknown) => HeadersLike;
  /** Response.error(), whose headers are immutable. */
  errorResponse(): { headers: HeadersLike };
  /** Response.redirect(url), whose headers are immutable. */
  redirectResponse(url: string): { headers: HeadersLike };
}

interface HeadersLike extends Iterable<[string, string]> {
  append(name: unknown, value: unknown): void;
  set(name: unknown, value: unknown): void;
  delete(name: unknown): void;
  get(name: unknown): string | null;
  has(name: unknown): boolean;
  getSetCookie(): string[];
  forEach(callback: unknown, thisArg?: unknown): void;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string>;
  entries(): IterableIterator<[string, string]>;
  [key: string | symbol]: unknown;
}

export interface HeadersCase {
  file: string;
  name: string;
  check(env: Env): void;
}

function fail(message: string): never {
  throw new Error(message);
}
function equal(actual: unknown, expected: unknown, what = ''): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) fail(`${what} expected ${e}, got ${a}`);
}
function throwsTypeError(run: () => unknown, what = ''): void {
  try {
    run();
  } catch (err) {
    if (err instanceof TypeError) return;
    fail(`${what} threw ${String(err)}, not a TypeError`);
  }
  fail(`${what} did not throw`);
}

const cases: HeadersCase[] = [];
const add = (file: string, name: string, check: (env: Env) => void): void => void cases.push({ file, name, check });

// headers-basic.any.js
{
  const file = 'headers-basic.any.js';
  const dict: Record<string, unknown> = { name1: 'value1', name2: 'value2', name3: 'value3', name4: null, name5: undefined, name6: 1, 'Content-Type': 'value4' };
  const seq = Object.keys(dict).map((k) => [k, dict[k]]);
  const checkAll = (h: HeadersLike) => {
    for (const k of Object.keys(dict)) equal(h.get(k), String(dict[k]), k);
  };
  add(file, 'Create headers from no parameter', ({ Headers }) => void new Headers());
  add(file, 'Create headers from undefined parameter', ({ Headers }) => void new Headers(undefined));
  add(file, 'Create headers from empty object', ({ Headers }) => void new Headers({}));
  add(file, 'Create headers with null should throw', ({ Headers }) => throwsTypeError(() => new Headers(null)));
  add(file, 'Create headers with 1 should throw', ({ Headers }) => throwsTypeError(() => new Headers(1)));
  add(file, 'Create headers with sequence', ({ Headers }) => {
    const h = new Headers(seq);
    checkAll(h);
    equal(h.get('length'), null, 'a sequence is not a record');
  });
  add(file, 'Create headers with record', ({ Headers }) => checkAll(new Headers(dict)));
  add(file, 'Create headers with existing headers', ({ Headers }) => checkAll(new Headers(new Headers(dict))));
  add(file, 'Create headers with existing headers with custom iterator', ({ Headers }) => {
    const h = new Headers();
    h[Symbol.iterator] = function* () {
      yield ['test', 'test'];
    };
    equal(new Headers(h).get('test'), 'test');
  });
  add(file, 'Check append method', ({ Headers }) => {
    const h = new Headers();
    for (const k of Object.keys(dict)) {
      h.append(k, dict[k]);
      equal(h.get(k), String(dict[k]), k);
    }
  });
  add(file, 'Check set method', ({ Headers }) => {
    const h = new Headers();
    for (const k of Object.keys(dict)) {
      h.set(k, dict[k]);
      equal(h.get(k), String(dict[k]), k);
    }
  });
  add(file, 'Check has method', ({ Headers }) => {
    const h = new Headers(dict);
    for (const k of Object.keys(dict)) equal(h.has(k), true, k);
    equal(h.has('nameNotInHeaders'), false);
  });
  add(file, 'Check delete method', ({ Headers }) => {
    const h = new Headers(dict);
    for (const k of Object.keys(dict)) {
      h.delete(k);
      equal(h.has(k), false, k);
    }
  });
  add(file, 'Check get method', ({ Headers }) => {
    const h = new Headers(dict);
    checkAll(h);
    equal(h.get('nameNotInHeaders'), null);
  });

  const entriesDict: Record<string, string> = { name1: 'value1', Name2: 'value2', name: 'value3', 'content-Type': 'value4', 'Content-Typ': 'value5', 'Content-Types': 'value6' };
  const sorted = Object.keys(entriesDict)
    .map((k) => [k.toLowerCase(), entriesDict[k]!] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const iteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as object;
  const checkIteratorProperties = (iterator: object) => {
    const prototype = Object.getPrototypeOf(iterator) as object;
    equal(Object.getPrototypeOf(prototype) === iteratorPrototype, true, 'the prototype chain reaches %IteratorPrototype%');
    const d = Object.getOwnPropertyDescriptor(prototype, 'next');
    equal([d?.configurable, d?.enumerable, d?.writable], [true, true, true], 'next');
  };
  const drain = (iterator: Iterator<unknown>, expected: unknown[]) => {
    for (const value of expected) {
      const step = iterator.next();
      equal([step.done, step.value], [false, value]);
    }
    equal(iterator.next().done, true);
    equal(iterator.next().done, true);
  };
  add(file, 'Check keys method', ({ Headers }) => {
    const it = new Headers(entriesDict).keys();
    checkIteratorProperties(it);
    drain(it, sorted.map(([k]) => k));
  });
  add(file, 'Check values method', ({ Headers }) => {
    const it = new Headers(entriesDict).values();
    checkIteratorProperties(it);
    drain(it, sorted.map(([, v]) => v));
  });
  add(file, 'Check entries method', ({ Headers }) => {
    const it = new Headers(entriesDict).entries();
    checkIteratorProperties(it);
    drain(it, sorted.map(([k, v]) => [k, v]));
  });
  add(file, 'Check Symbol.iterator method', ({ Headers }) => drain(new Headers(entriesDict)[Symbol.iterator](), sorted.map(([k, v]) => [k, v])));
  add(file, 'Check forEach method', ({ Headers }) => {
    const h = new Headers(entriesDict);
    const seen: unknown[] = [];
    h.forEach((value: string, key: string, container: unknown) => seen.push([key, value, container === h]));
    equal(seen, sorted.map(([k, v]) => [k, v, true]));
  });
  const loop = (Headers: Env['Headers'], init: Record<string, string>, during: (h: HeadersLike, name: string) => void) => {
    const h = new Headers(init);
    const keys: string[] = [];
    const values: string[] = [];
    for (const [name, value] of h) {
      keys.push(name);
      values.push(value);
      during(h, name);
    }
    return [keys, values];
  };
  add(file, 'Iteration skips elements removed while iterating', ({ Headers }) =>
    equal(loop(Headers, { foo: '2', baz: '1', BAR: '0' }, (h) => h.delete('foo')), [['bar', 'baz'], ['0', '1']]),
  );
  add(file, 'Removing elements already iterated over causes an element to be skipped during iteration', ({ Headers }) =>
    equal(loop(Headers, { foo: '2', baz: '1', BAR: '0', quux: '3' }, (h, n) => n === 'baz' && h.delete('bar')), [['bar', 'baz', 'quux'], ['0', '1', '3']]),
  );
  add(file, 'Appending a value pair during iteration causes it to be reached during iteration', ({ Headers }) =>
    equal(loop(Headers, { foo: '2', baz: '1', BAR: '0', quux: '3' }, (h, n) => n === 'baz' && h.append('X-yZ', '4')), [
      ['bar', 'baz', 'foo', 'quux', 'x-yz'],
      ['0', '1', '2', '3', '4'],
    ]),
  );
  add(file, 'Prepending a value pair before the current element position causes it to be skipped during iteration', ({ Headers }) =>
    equal(loop(Headers, { foo: '2', baz: '1', BAR: '0', quux: '3' }, (h, n) => n === 'baz' && h.append('abc', '-1')), [
      ['bar', 'baz', 'baz', 'foo', 'quux'],
      ['0', '1', '1', '2', '3'],
    ]),
  );
}

// headers-casing
{
  const file = 'headers-casing.any.js';
  const dict: Record<string, string> = { UPPERCASE: 'value1', lowercase: 'value2', mixedCase: 'value3' };
  const checkCase = (h: HeadersLike, name: string) => {
    for (const n of [name, name.toLowerCase(), name.toUpperCase()]) equal(h.get(n), dict[name], n);
  };
  add(file, 'Create headers, names use characters with different case', ({ Headers }) => {
    const h = new Headers(dict);
    for (const n of Object.keys(dict)) checkCase(h, n);
  });
  add(file, 'Check append method, names use characters with different case', ({ Headers }) => {
    const h = new Headers();
    for (const n of Object.keys(dict)) {
      h.append(n, dict[n]);
      checkCase(h, n);
    }
  });
  add(file, 'Check set method, names use characters with different case', ({ Headers }) => {
    const h = new Headers();
    for (const n of Object.keys(dict)) {
      h.set(n, dict[n]);
      checkCase(h, n);
    }
  });
  add(file, 'Check delete method, names use characters with different case', ({ Headers }) => {
    const h = new Headers(dict);
    for (const n of Object.keys(dict)) {
      h.delete(n.toUpperCase());
      equal(h.has(n), false, n);
    }
  });
}

// headers-combine
{
  const file = 'headers-combine.any.js';
  const seq = [['name', 'value1'], ['name', 'value2'], ['NAME', 'value3']];
  add(file, 'Create headers using same name for different values', ({ Headers }) => equal(new Headers(seq).get('name'), 'value1, value2, value3'));
  add(file, 'Check delete and has methods when using same name for different values', ({ Headers }) => {
    const h = new Headers(seq);
    equal(h.has('name'), true);
    h.delete('Name');
    equal(h.has('name'), false);
  });
  add(file, 'Check set methods when called with already used name', ({ Headers }) => {
    const h = new Headers(seq);
    h.set('name', 'newValue');
    equal(h.get('name'), 'newValue');
    equal([...h], [['name', 'newValue']]);
  });
  add(file, 'Check append methods when called with already used name', ({ Headers }) => {
    const h = new Headers([['name', 'value1']]);
    h.append('NAME', 'value2');
    h.append('name', 'value3');
    equal(h.get('name'), 'value1, value2, value3');
  });
  add(file, 'Iterate combined values', ({ Headers }) => {
    const h = new Headers([['heAder', 'value1'], ['HeAder', 'value2']]);
    equal([...h], [['header', 'value1, value2']]);
  });
  add(file, 'Iterate combined values in sorted order', ({ Headers }) => {
    const h = new Headers([['heAder', 'value1'], ['b', 'x'], ['HeAder', 'value2'], ['a', 'y']]);
    equal([...h], [['a', 'y'], ['b', 'x'], ['header', 'value1, value2']]);
  });
}

// headers-errors
{
  const file = 'headers-errors.any.js';
  add(file, 'Create headers giving an array having one string as init argument', ({ Headers }) => throwsTypeError(() => new Headers([['name']])));
  add(file, 'Create headers giving an array having three strings as init argument', ({ Headers }) => throwsTypeError(() => new Headers([['name', 'value1', 'value2']])));
  add(file, 'Create headers giving bad header name as init argument', ({ Headers }) => throwsTypeError(() => new Headers([['invalidĀ', 'Value1']])));
  add(file, 'Create headers giving bad header value as init argument', ({ Headers }) => throwsTypeError(() => new Headers([['name', 'invalidValueĀ']])));
  const badNames = ['TypeError', '__definesetter__', '', '\u0100', 'a b', 'a:b', 'a\u0000', '(', ')', '<', '>', '@', ',', ';', '\\', '"', '/', '[', ']', '?', '=', '{', '}'];
  for (const bad of ['invalidĀ', ...badNames.filter((n) => n !== 'TypeError' && n !== '__definesetter__')]) {
    add(file, `Check headers get with an invalid name ${JSON.stringify(bad)}`, ({ Headers }) => throwsTypeError(() => new Headers().get(bad)));
    add(file, `Check headers delete with an invalid name ${JSON.stringify(bad)}`, ({ Headers }) => throwsTypeError(() => new Headers().delete(bad)));
    add(file, `Check headers has with an invalid name ${JSON.stringify(bad)}`, ({ Headers }) => throwsTypeError(() => new Headers().has(bad)));
    add(file, `Check headers set with an invalid name ${JSON.stringify(bad)}`, ({ Headers }) => throwsTypeError(() => new Headers().set(bad, 'Value1')));
    add(file, `Check headers append with an invalid name ${JSON.stringify(bad)}`, ({ Headers }) => throwsTypeError(() => new Headers().append(bad, 'Value1')));
  }
  for (const bad of ['invalidValueĀ', 'x\0x', 'x\nx', 'x\rx']) {
    add(file, `Check headers set with an invalid value ${JSON.stringify(bad)}`, ({ Headers }) => throwsTypeError(() => new Headers().set('name', bad)));
    add(file, `Check headers append with an invalid value ${JSON.stringify(bad)}`, ({ Headers }) => throwsTypeError(() => new Headers().append('name', bad)));
  }
  add(file, 'Headers forEach throws if argument is not callable', ({ Headers }) => throwsTypeError(() => new Headers({ a: '1' }).forEach({})));
  add(file, 'Headers forEach loop should stop if callback is throwing exception', ({ Headers }) => {
    const h = new Headers({ a: '1', b: '2' });
    let calls = 0;
    try {
      h.forEach(() => {
        calls++;
        throw new RangeError('stop');
      });
    } catch (err) {
      equal(err instanceof RangeError, true, 'the callback error propagates');
    }
    equal(calls, 1);
  });
}

// headers-normalize
{
  const file = 'headers-normalize.any.js';
  const dict: Record<string, string> = { name1: ' space ', name2: '\ttab\t', name3: ' spaceAndTab\t', name4: '\r\n newLine', name5: 'newLine\r\n ', name6: '\r\n\tnewLine' };
  const expectTrimmed = (h: HeadersLike) => {
    for (const n of Object.keys(dict)) equal(h.get(n), dict[n]!.trim(), n);
  };
  add(file, 'Create headers with not normalized values', ({ Headers }) => expectTrimmed(new Headers(dict)));
  add(file, 'Check append method with not normalized values', ({ Headers }) => {
    const h = new Headers();
    for (const n of Object.keys(dict)) h.append(n, dict[n]);
    expectTrimmed(h);
  });
  add(file, 'Check set method with not normalized values', ({ Headers }) => {
    const h = new Headers();
    for (const n of Object.keys(dict)) h.set(n, dict[n]);
    expectTrimmed(h);
  });
}

// headers-structure
{
  const file = 'headers-structure.any.js';
  for (const method of ['append', 'delete', 'get', 'has', 'set', 'entries', 'keys', 'values', 'forEach', 'getSetCookie']) {
    add(file, `Headers has ${method} method`, ({ Headers }) => equal(typeof new Headers()[method], 'function'));
  }
}

// header-setcookie
{
  const file = 'header-setcookie.any.js';
  const list = [['set-cookie', 'foo=bar'], ['Set-Cookie', 'fizz=buzz; domain=example.com']];
  const list2 = [['set-cookie2', 'foo2=bar2'], ['Set-Cookie2', 'fizz2=buzz2; domain=example2.com']];
  add(file, 'Create headers with a single set-cookie header in object', ({ Headers }) => void new Headers({ 'Set-Cookie': 'foo=bar' }));
  add(file, 'Create headers with a single set-cookie header in list', ({ Headers }) => void new Headers([list[0]]));
  add(file, 'Create headers with multiple set-cookie header in list', ({ Headers }) => void new Headers(list));
  add(file, 'Headers.prototype.get combines set-cookie headers in order', ({ Headers }) =>
    equal(new Headers(list).get('set-cookie'), 'foo=bar, fizz=buzz; domain=example.com'),
  );
  add(file, 'Headers iterator does not combine set-cookie headers', ({ Headers }) =>
    equal([...new Headers(list)], [['set-cookie', 'foo=bar'], ['set-cookie', 'fizz=buzz; domain=example.com']]),
  );
  add(file, 'Headers iterator does not special case set-cookie2 headers', ({ Headers }) =>
    equal([...new Headers(list2)], [['set-cookie2', 'foo2=bar2, fizz2=buzz2; domain=example2.com']]),
  );
  add(file, 'Headers iterator does not combine set-cookie & set-cookie2 headers', ({ Headers }) =>
    equal([...new Headers([...list, ...list2])], [
      ['set-cookie', 'foo=bar'],
      ['set-cookie', 'fizz=buzz; domain=example.com'],
      ['set-cookie2', 'foo2=bar2, fizz2=buzz2; domain=example2.com'],
    ]),
  );
  add(file, 'Headers iterator preserves set-cookie ordering', ({ Headers }) =>
    equal([...new Headers([['set-cookie', 'z=z'], ['set-cookie', 'a=a'], ['set-cookie', 'n=n']])], [['set-cookie', 'z=z'], ['set-cookie', 'a=a'], ['set-cookie', 'n=n']]),
  );
  add(file, 'Headers iterator preserves per header ordering, but sorts keys alphabetically', ({ Headers }) =>
    equal(
      [...new Headers([['xylophone-header', '1'], ['best-header', '2'], ['set-cookie', '3'], ['a-cool-header', '4'], ['set-cookie', '5'], ['a-cool-header', '6'], ['best-header', '7']])],
      [['a-cool-header', '4, 6'], ['best-header', '2, 7'], ['set-cookie', '3'], ['set-cookie', '5'], ['xylophone-header', '1']],
    ),
  );
  add(file, 'Headers iterator preserves per header ordering, but sorts keys alphabetically (and ignores value ordering)', ({ Headers }) =>
    equal(
      [...new Headers([['xylophone-header', '7'], ['best-header', '6'], ['set-cookie', '5'], ['a-cool-header', '4'], ['set-cookie', '3'], ['a-cool-header', '2'], ['best-header', '1']])],
      [['a-cool-header', '4, 2'], ['best-header', '6, 1'], ['set-cookie', '5'], ['set-cookie', '3'], ['xylophone-header', '7']],
    ),
  );
  add(file, 'Headers iterator is correctly updated with set-cookie changes', ({ Headers }) => {
    const h = new Headers([['fizz', 'buzz'], ['X-Header', 'test']]);
    const it = h[Symbol.iterator]() as Iterator<unknown>;
    equal(it.next().value, ['fizz', 'buzz']);
    h.append('Set-Cookie', 'a=b');
    equal(it.next().value, ['set-cookie', 'a=b']);
    h.append('Accept', 'text/html');
    equal(it.next().value, ['set-cookie', 'a=b']);
    equal(it.next().value, ['x-header', 'test']);
    h.append('set-cookie', 'c=d');
    equal(it.next().value, ['x-header', 'test']);
    equal(it.next().done, true);
  });
  add(file, 'Headers.prototype.has works for set-cookie', ({ Headers }) => equal(new Headers(list).has('sEt-cOoKiE'), true));
  add(file, 'Headers.prototype.append works for set-cookie', ({ Headers }) => {
    const h = new Headers(list2);
    h.append('set-Cookie', 'foo=bar');
    h.append('sEt-cOoKiE', 'fizz=buzz');
    equal([...h], [['set-cookie', 'foo=bar'], ['set-cookie', 'fizz=buzz'], ['set-cookie2', 'foo2=bar2, fizz2=buzz2; domain=example2.com']]);
  });
  add(file, 'Headers.prototype.set works for set-cookie', ({ Headers }) => {
    const h = new Headers(list);
    h.set('set-cookie', 'foo2=bar2');
    equal([...h], [['set-cookie', 'foo2=bar2']]);
  });
  add(file, 'Headers.prototype.delete works for set-cookie', ({ Headers }) => {
    const h = new Headers(list);
    h.delete('set-Cookie');
    equal([...h], []);
  });
  add(file, 'Headers.prototype.getSetCookie with no headers present', ({ Headers }) => equal(new Headers().getSetCookie(), []));
  add(file, 'Headers.prototype.getSetCookie with one header', ({ Headers }) => equal(new Headers([list[0]]).getSetCookie(), ['foo=bar']));
  add(file, 'Headers.prototype.getSetCookie with multiple headers', ({ Headers }) =>
    equal(new Headers(list).getSetCookie(), ['foo=bar', 'fizz=buzz; domain=example.com']),
  );
  add(file, 'Headers.prototype.getSetCookie with an empty header', ({ Headers }) => equal(new Headers([['set-cookie', '']]).getSetCookie(), ['']));
  add(file, 'Headers.prototype.getSetCookie with two equal headers', ({ Headers }) =>
    equal(new Headers([['set-cookie', 'x'], ['set-cookie', 'x']]).getSetCookie(), ['x', 'x']),
  );
  add(file, 'Headers.prototype.getSetCookie ignores set-cookie2 headers', ({ Headers }) =>
    equal(new Headers([['set-cookie2', 'x'], ['set-cookie', 'y'], ['set-cookie2', 'z']]).getSetCookie(), ['y']),
  );
  add(file, 'Headers.prototype.getSetCookie preserves header ordering', ({ Headers }) =>
    equal(new Headers([['set-cookie', 'z=z'], ['set-cookie', 'a=a'], ['set-cookie', 'n=n']]).getSetCookie(), ['z=z', 'a=a', 'n=n']),
  );
}

// headers-record (the order of WebIDL's record conversion, seen through a logging Proxy)
{
  const file = 'headers-record.any.js';
  const logged = (target: object) => {
    const log: unknown[][] = [];
    const handler: ProxyHandler<object> = {};
    for (const trap of Object.getOwnPropertyNames(Reflect) as (keyof typeof Reflect)[]) {
      (handler as Record<string, unknown>)[trap] = (...args: unknown[]) => {
        log.push([trap, ...args]);
        return (Reflect[trap] as (...a: unknown[]) => unknown)(...args);
      };
    }
    return { proxy: new Proxy(target, handler), log };
  };
  // Each log entry as [trap, key] (the target and receiver are the record and its proxy throughout).
  const steps = (log: unknown[][]) => log.map((entry) => (entry[0] === 'ownKeys' ? ['ownKeys'] : [entry[0], String(entry[2] ?? entry[1])]));
  const ITER = String(Symbol.iterator);
  add(file, 'Passing nothing to Headers constructor', ({ Headers }) => equal([...new Headers()].length, 0));
  add(file, 'Passing undefined to Headers constructor', ({ Headers }) => equal([...new Headers(undefined)].length, 0));
  add(file, 'Passing null to Headers constructor', ({ Headers }) => throwsTypeError(() => new Headers(null)));
  add(file, 'Basic operation with one property', ({ Headers }) => {
    const { proxy, log } = logged({ a: 'b' });
    const h = new Headers(proxy);
    equal(steps(log), [['get', ITER], ['ownKeys'], ['getOwnPropertyDescriptor', 'a'], ['get', 'a']]);
    equal([...h], [['a', 'b']]);
  });
  add(file, 'Basic operation with one property and a proto', ({ Headers }) => {
    const { proxy, log } = logged(Object.create({ c: 'd' }, { a: { value: 'b', enumerable: true } }) as object);
    const h = new Headers(proxy);
    equal(steps(log), [['get', ITER], ['ownKeys'], ['getOwnPropertyDescriptor', 'a'], ['get', 'a']]);
    equal([...h], [['a', 'b']]);
  });
  add(file, 'Correct operation ordering with two properties', ({ Headers }) => {
    const { proxy, log } = logged({ a: 'b', c: 'd' });
    const h = new Headers(proxy);
    equal(steps(log), [['get', ITER], ['ownKeys'], ['getOwnPropertyDescriptor', 'a'], ['get', 'a'], ['getOwnPropertyDescriptor', 'c'], ['get', 'c']]);
    equal([...h], [['a', 'b'], ['c', 'd']]);
  });
  add(file, 'Correct operation ordering with two properties one of which has an invalid name', ({ Headers }) => {
    const { proxy, log } = logged({ a: 'b', '\uFFFF': 'd' });
    throwsTypeError(() => new Headers(proxy));
    equal(steps(log), [['get', ITER], ['ownKeys'], ['getOwnPropertyDescriptor', 'a'], ['get', 'a'], ['getOwnPropertyDescriptor', '\uFFFF']]);
  });
  add(file, 'Correct operation ordering with two properties one of which has an invalid value', ({ Headers }) => {
    const { proxy, log } = logged({ a: '\uFFFF', c: 'd' });
    throwsTypeError(() => new Headers(proxy));
    equal(steps(log), [['get', ITER], ['ownKeys'], ['getOwnPropertyDescriptor', 'a'], ['get', 'a']]);
  });
  add(file, 'Correct operation ordering with non-enumerable properties', ({ Headers }) => {
    const record = {};
    Object.defineProperty(record, 'a', { value: 'b', enumerable: false });
    Object.defineProperty(record, 'c', { value: 'd', enumerable: true });
    Object.defineProperty(record, 'e', { value: 'f', enumerable: false });
    const { proxy, log } = logged(record);
    const h = new Headers(proxy);
    equal(steps(log), [['get', ITER], ['ownKeys'], ['getOwnPropertyDescriptor', 'a'], ['getOwnPropertyDescriptor', 'c'], ['get', 'c'], ['getOwnPropertyDescriptor', 'e']]);
    equal([...h], [['c', 'd']]);
  });
  add(file, 'Correct operation ordering with undefined descriptors', ({ Headers }) => {
    const lying = new Proxy({ a: 'b', c: 'd', e: 'f' }, { getOwnPropertyDescriptor: (t, n) => (n === 'a' || n === 'e' ? undefined : Reflect.getOwnPropertyDescriptor(t, n)) });
    const { proxy, log } = logged(lying);
    const h = new Headers(proxy);
    equal(steps(log), [['get', ITER], ['ownKeys'], ['getOwnPropertyDescriptor', 'a'], ['getOwnPropertyDescriptor', 'c'], ['get', 'c'], ['getOwnPropertyDescriptor', 'e']]);
    equal([...h], [['c', 'd']]);
  });
  add(file, 'Correct operation ordering with repeated keys', ({ Headers }) => {
    const lying = new Proxy({ a: 'b', c: 'd' }, { ownKeys: () => ['a', 'c', 'a', 'c'] });
    const { proxy, log } = logged(lying);
    throwsTypeError(() => new Headers(proxy));
    equal(steps(log), [['get', ITER], ['ownKeys']]);
  });
  add(file, 'Basic operation with Symbol keys', ({ Headers }) => {
    const { proxy, log } = logged({ a: 'b', [Symbol.toStringTag]: { toString: () => 'nope' }, c: 'd' });
    throwsTypeError(() => new Headers(proxy));
    equal(steps(log), [
      ['get', ITER],
      ['ownKeys'],
      ['getOwnPropertyDescriptor', 'a'],
      ['get', 'a'],
      ['getOwnPropertyDescriptor', 'c'],
      ['get', 'c'],
      ['getOwnPropertyDescriptor', String(Symbol.toStringTag)],
    ]);
  });
  add(file, 'Operation with non-enumerable Symbol keys', ({ Headers }) => {
    const order: string[] = [];
    const record = {
      a: { toString: () => (order.push('a'), 'b') },
      [Symbol.toStringTag]: { toString: () => (order.push('symbol'), 'nope') },
      c: { toString: () => (order.push('c'), 'd') },
    };
    Object.defineProperty(record, Symbol.toStringTag, { enumerable: false });
    const { proxy, log } = logged(record);
    const h = new Headers(proxy);
    equal(steps(log), [['get', ITER], ['ownKeys'], ['getOwnPropertyDescriptor', 'a'], ['get', 'a'], ['getOwnPropertyDescriptor', 'c'], ['get', 'c'], ['getOwnPropertyDescriptor', String(Symbol.toStringTag)]]);
    equal(order, ['a', 'c']);
    equal([...h], [['a', 'b'], ['c', 'd']]);
  });
}

// header-values.html and header-values-normalize.html, their fetch() halves applied to Headers directly
{
  for (let i = 0; i < 0x100; i++) {
    const value = `x${String.fromCharCode(i)}x`;
    const invalid = i === 0 || i === 0x0a || i === 0x0d;
    add('header-values.html', `Headers with value ${encodeURI(value)}`, ({ Headers }) => {
      if (invalid) throwsTypeError(() => new Headers({ 'value-test': value }));
      else equal(new Headers({ 'value-test': value }).get('value-test'), value);
    });
  }
  for (let i = 1; i < 0x21; i++) {
    const c = String.fromCharCode(i);
    const stripped = i === 0x09 || i === 0x0a || i === 0x0d || i === 0x20 ? '' : c;
    for (const [value, expected] of [[`x${c}`, `x${stripped}`], [c, stripped], [`${c}x`, `${stripped}x`]]) {
      add('header-values-normalize.html', `Headers with value ${encodeURI(value!)}`, ({ Headers }) => equal(new Headers({ 'value-test': value }).get('value-test'), expected));
    }
  }
}

// The guard (fetch/api/response/response-static-error.any.js, response-static-redirect.any.js): immutable headers refuse changes.
{
  for (const [file, make] of [
    ['response-static-error.any.js', (env: Env) => env.errorResponse()],
    ['response-static-redirect.any.js', (env: Env) => env.redirectResponse('http://example.test/')],
  ] as const) {
    add(file, "the response's headers are immutable", (env) => {
      const { headers } = make(env);
      throwsTypeError(() => headers.append('a', 'b'), 'append');
      throwsTypeError(() => headers.set('a', 'b'), 'set');
      throwsTypeError(() => headers.delete('location'), 'delete');
    });
  }
}

export const headersCases: readonly HeadersCase[] = cases;

/**
 * Kiln's one deliberate deviation: a value holding a control character other
 * than HTAB is refused. Fetch forbids only NUL, CR and LF, but lib/http
 * writes these same Headers on the wire, where RFC 9110's field-value has no
 * control characters (Node's http refuses them as well).
 */
export const isKilnDeviation = (c: HeadersCase): boolean =>
  /^header-values(-normalize)?\.html$/.test(c.file) && /^Headers with value .*%(0[1-8BCEF]|1[0-9A-F]|7F)/.test(c.name);

/** The cases Kiln's Headers must pass: all but its deviation. */
export const kilnHeadersCases: readonly HeadersCase[] = cases.filter((c) => !isKilnDeviation(c));

/** Runs every case; returns the names of those that fail, with why. */
export function failingHeadersCases(env: Env, among: readonly HeadersCase[] = headersCases): string[] {
  const failures: string[] = [];
  for (const c of among) {
    try {
      c.check(env);
    } catch (err) {
      failures.push(`${c.file}: ${c.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return failures;
}
