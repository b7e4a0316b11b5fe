/**
 * Contract of the Kv signature (lib/devices/kv.ts): hierarchical keys, every
 * operation and its typed errors, atomic batches (a refused batch changes
 * nothing), what survives closing and opening again, no-space on a full
 * store with the store still usable, and use after close.
 */
import { KvError, type Kv } from '../../lib/devices/kv.ts';
import { decodeUtf8, encodeUtf8 } from '../../lib/text/utf8.ts';
import { assert, assertBytesEqual, assertEqual, assertRejectsWith, using, type ContractCase } from './harness.ts';

export interface KvUnderTest {
  /** A new empty store. `small` asks for one that fills up after a few tens of KiB. */
  create(options?: { small?: boolean }): Promise<Kv>;
  /** Closes `kv` and opens the same store again (what a reboot would see). */
  reopen(kv: Kv): Promise<Kv>;
  /** Removes what `create` made. */
  cleanup(): Promise<void>;
}

const text = encodeUtf8;
const str = (b: Uint8Array): string => decodeUtf8(b);

export function kvContract(subject: KvUnderTest): ContractCase[] {
  const withKv = (body: (kv: Kv) => Promise<void>, options?: { small?: boolean }) => using(() => subject.create(options), body, () => subject.cleanup());
  const rejects = (p: Promise<unknown>, code: string, what: string) => assertRejectsWith(p, KvError, code, what);
  return [
    {
      name: 'set then get, exists, size; values are copied in and out',
      run: withKv(async (kv) => {
        const value = text('hello');
        await kv.set('greeting', value);
        value[0] = 0;
        assertEqual(str(await kv.get('greeting')), 'hello', 'value');
        const out = await kv.get('greeting');
        out[0] = 0;
        assertEqual(str(await kv.get('/greeting')), 'hello', 'value after changing a returned copy');
        assertEqual(await kv.exists('greeting'), 'value', 'exists');
        assertEqual(await kv.exists('missing'), null, 'exists of a missing key');
        assertEqual(await kv.size('greeting'), 5, 'size');
        await kv.set('greeting', text('bye'));
        assertEqual(str(await kv.get('greeting')), 'bye', 'replaced value');
        await kv.set('empty', new Uint8Array(0));
        assertEqual((await kv.get('empty')).length, 0, 'empty value');
      }),
    },
    {
      name: 'hierarchical keys: dictionaries appear and disappear with what is below them',
      run: withKv(async (kv) => {
        await kv.set('a/b/c', text('1'));
        await kv.set('a/b/d', text('2'));
        await kv.set('a/e', text('3'));
        assertEqual(await kv.exists('a'), 'dictionary', 'a');
        assertEqual(await kv.exists('a/b'), 'dictionary', 'a/b');
        assertEqual(await kv.exists(''), 'dictionary', 'root');
        const list = await kv.list('a');
        assertEqual(JSON.stringify(list), JSON.stringify([{ key: 'a/b', kind: 'dictionary' }, { key: 'a/e', kind: 'value' }]), 'list a');
        assertEqual(JSON.stringify(await kv.list('/')), JSON.stringify([{ key: 'a', kind: 'dictionary' }]), 'list root');
        await kv.remove('a/b/c');
        assertEqual(await kv.exists('a/b'), 'dictionary', 'a/b with d left');
        await kv.remove('a/b/d');
        assertEqual(await kv.exists('a/b'), null, 'a/b once empty');
        await kv.remove('a');
        assertEqual(await kv.exists('a'), null, 'a after removing the dictionary');
        assertEqual((await kv.list('')).length, 0, 'root listing');
      }),
    },
    {
      name: 'typed errors: not-found, value-expected, dictionary-expected, invalid-argument',
      run: withKv(async (kv) => {
        await kv.set('dir/file', text('x'));
        await rejects(kv.get('nope'), 'not-found', 'get of a missing key');
        await rejects(kv.get('dir'), 'value-expected', 'get of a dictionary');
        await rejects(kv.size('dir'), 'value-expected', 'size of a dictionary');
        await rejects(kv.list('dir/file'), 'dictionary-expected', 'list of a value');
        await rejects(kv.list('nope'), 'not-found', 'list of a missing key');
        await rejects(kv.set('dir', text('y')), 'value-expected', 'set over a dictionary');
        await rejects(kv.set('dir/file/sub', text('y')), 'dictionary-expected', 'set below a value');
        await rejects(kv.set('', text('y')), 'value-expected', 'set at the root');
        await rejects(kv.remove('nope'), 'not-found', 'remove of a missing key');
        await rejects(kv.set('a//b', text('y')), 'invalid-argument', 'empty segment');
        await rejects(kv.set('a/../b', text('y')), 'invalid-argument', "'..' segment");
        await rejects(kv.set('k'.repeat(2000), text('y')), 'invalid-argument', 'a key too long');
        await rejects(kv.getPartial('dir/file', -1, 1), 'invalid-argument', 'negative offset');
        await rejects(kv.lastModified('nope'), 'not-found', 'lastModified of a missing key');
        await rejects(kv.digest('nope'), 'not-found', 'digest of a missing key');
        assertEqual(str(await kv.get('dir/file')), 'x', 'value after refused writes');
      }),
    },
    {
      name: 'getPartial and setPartial',
      run: withKv(async (kv) => {
        await kv.set('v', text('0123456789'));
        assertEqual(str(await kv.getPartial('v', 2, 3)), '234', 'middle');
        assertEqual(str(await kv.getPartial('v', 8, 10)), '89', 'past the end');
        assertEqual((await kv.getPartial('v', 20, 5)).length, 0, 'beyond the end');
        await kv.setPartial('v', 8, text('xyz'));
        assertEqual(str(await kv.get('v')), '01234567xyz', 'extended');
        await kv.setPartial('v', 0, text('A'));
        assertEqual(str(await kv.get('v')), 'A1234567xyz', 'overwritten in place');
        await kv.setPartial('new', 2, text('!'));
        assertBytesEqual(await kv.get('new'), new Uint8Array([0, 0, 33]), 'a new key starts empty, zero-filled');
      }),
    },
    {
      name: 'lastModified and digest follow the content',
      run: withKv(async (kv) => {
        await kv.set('d/a', text('1'));
        const t = await kv.lastModified('d/a');
        assert(t > 1.5e12 && t < 1e14, `lastModified ${t} is a time in ms since the epoch`);
        assert((await kv.lastModified('d')) >= t, 'a dictionary is as new as its newest value');
        const d1 = await kv.digest('d');
        const v1 = await kv.digest('d/a');
        await kv.set('d/a', text('2'));
        assert((await kv.digest('d/a')) !== v1, 'value digest changes');
        assert((await kv.digest('d')) !== d1, 'dictionary digest changes');
        await kv.set('d/a', text('1'));
        assertEqual(await kv.digest('d/a'), v1, 'same content, same digest');
        assertEqual(await kv.digest('d'), d1, 'same dictionary content, same digest');
      }),
    },
    {
      name: 'rename moves values and dictionaries, with its refusals',
      run: withKv(async (kv) => {
        await kv.set('x', text('X'));
        await kv.rename('x', 'y');
        assertEqual(await kv.exists('x'), null, 'source gone');
        assertEqual(str(await kv.get('y')), 'X', 'dest');
        await kv.set('d/1', text('one'));
        await kv.set('d/s/2', text('two'));
        await kv.rename('d', 'e/f');
        assertEqual(await kv.exists('d'), null, 'source dictionary gone');
        assertEqual(str(await kv.get('e/f/1')), 'one', 'moved value');
        assertEqual(str(await kv.get('e/f/s/2')), 'two', 'moved nested value');
        await kv.set('z', text('Z'));
        await kv.rename('z', 'y');
        assertEqual(str(await kv.get('y')), 'Z', 'a value replaces a value');
        await rejects(kv.rename('y', 'e'), 'already-present', 'value onto a dictionary');
        await rejects(kv.rename('e', 'y'), 'already-present', 'dictionary onto a value');
        await rejects(kv.rename('e', 'e/f/g'), 'invalid-argument', 'dictionary into itself');
        await rejects(kv.rename('nope', 'q'), 'not-found', 'missing source');
        await rejects(kv.rename('y', 'y/q'), 'invalid-argument', 'value below itself');
      }),
    },
    {
      name: 'allocate makes a zero-filled value, refusing an existing key',
      run: withKv(async (kv) => {
        await kv.allocate('blob', 1000);
        assertBytesEqual(await kv.get('blob'), new Uint8Array(1000), 'zeros');
        await rejects(kv.allocate('blob', 10), 'already-present', 'allocate again');
        await kv.set('d/v', text('v'));
        await rejects(kv.allocate('d', 10), 'already-present', 'allocate over a dictionary');
      }),
    },
    {
      name: 'batch applies all writes, or none when one is refused',
      run: withKv(async (kv) => {
        await kv.set('keep', text('old'));
        await kv.batch([
          { op: 'set', key: 'b/1', value: text('1') },
          { op: 'set', key: 'b/2', value: text('2') },
          { op: 'remove', key: 'keep' },
          { op: 'set', key: 'b/1', value: text('1bis') },
        ]);
        assertEqual(str(await kv.get('b/1')), '1bis', 'later write of a key wins');
        assertEqual(await kv.exists('keep'), null, 'removed in the batch');
        await kv.set('keep', text('old'));
        await rejects(
          kv.batch([
            { op: 'set', key: 'c/1', value: text('1') },
            { op: 'remove', key: 'keep' },
            { op: 'set', key: 'b/1/x', value: text('no') },
          ]),
          'dictionary-expected',
          'a batch with one bad write',
        );
        assertEqual(await kv.exists('c'), null, 'nothing of the refused batch');
        assertEqual(str(await kv.get('keep')), 'old', 'remove of the refused batch undone');
        assertEqual(str(await kv.get('b/1')), '1bis', 'unchanged value');
        await kv.batch([]);
      }),
    },
    {
      name: 'concurrent writes all land, each resolving once done',
      run: withKv(async (kv) => {
        await Promise.all(Array.from({ length: 50 }, (_, i) => kv.set(`c/${i}`, text(`v${i}`))));
        for (let i = 0; i < 50; i++) assertEqual(str(await kv.get(`c/${i}`)), `v${i}`, `c/${i}`);
        assertEqual((await kv.list('c')).length, 50, 'listing');
      }),
    },
    {
      name: 'what was written survives closing and opening again',
      run: async () => {
        const kv = await subject.create();
        await kv.set('p/a', text('A'));
        await kv.set('p/b', new Uint8Array(5000).fill(7));
        await kv.batch([{ op: 'set', key: 'p/c', value: text('C') }, { op: 'remove', key: 'p/a' }]);
        const t = await kv.lastModified('p/c');
        const again = await subject.reopen(kv);
        try {
          assertEqual(await again.exists('p/a'), null, 'removed key');
          assertBytesEqual(await again.get('p/b'), new Uint8Array(5000).fill(7), 'p/b');
          assertEqual(str(await again.get('p/c')), 'C', 'p/c');
          assertEqual(await again.lastModified('p/c'), t, 'lastModified kept');
        } finally {
          await again.close();
          await subject.cleanup();
        }
      },
    },
    {
      name: "a full store rejects with 'no-space', changes nothing, and takes writes again once room is made",
      run: withKv(
        async (kv) => {
          const chunk = new Uint8Array(1000).fill(1);
          let stored = 0;
          for (; stored < 10_000; stored++) {
            try {
              await kv.set(`f/${stored}`, chunk);
            } catch (err) {
              assert(err instanceof KvError && err.code === 'no-space', `the write that did not fit: ${String(err)}`);
              break;
            }
          }
          assert(stored > 3 && stored < 10_000, `a small store took ${stored} KB`);
          assertEqual(await kv.exists(`f/${stored}`), null, 'the refused key');
          await rejects(kv.set('huge', new Uint8Array(1 << 20)), 'no-space', 'a value larger than the store');
          for (let i = 0; i < stored; i++) assertBytesEqual(await kv.get(`f/${i}`), chunk, `f/${i} after no-space`);
          await kv.remove('f');
          for (let i = 0; i < stored; i++) await kv.set(`g/${i}`, chunk);
          assertEqual((await kv.list('g')).length, stored, 'as much again after removing');
        },
        { small: true },
      ),
    },
    {
      name: "every operation after close rejects with 'closed'",
      run: async () => {
        const kv = await subject.create();
        await kv.set('k', text('v'));
        await kv.close();
        await rejects(kv.get('k'), 'closed', 'get');
        await rejects(kv.set('k', text('w')), 'closed', 'set');
        await rejects(kv.list(''), 'closed', 'list');
        await rejects(kv.remove('k'), 'closed', 'remove');
        await kv.close();
        await subject.cleanup();
      },
    },
  ];
}
