/**
 * examples/notes as an hvt image under kiln-hvt with real KVM (on this host
 * if it has /dev/kvm, else in the x86_64 test machine), on a disk image
 * seeded from the host with `kiln kv`: it serves the seeded note, stores
 * and removes notes; then kiln-hvt is killed with SIGKILL while a client
 * PUTs notes in a loop, a few times, and every acknowledged PUT must be
 * there after a restart. The disk comes back to the host, where `kiln kv`
 * (the unix code) reads what the image wrote and finds the store clean.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildImage } from '../../cli/image.ts';
import { kvmPlace, runKvmCases, type KvmCaseResult } from '../harness/cases.ts';
import { programFiles } from '../harness/program-files.ts';
import { tapNamespaceCases } from '../harness/tap-namespace.ts';
import { ROOT, TENDER, buildPlatform } from '../platform/build.ts';

const place = await kvmPlace();
const hasCurl = spawnSync('curl', ['--version']).status === 0;
const skip = 'skip' in place ? place.skip : hasCurl ? null : 'needs curl on the host (its binary and libraries are copied to the test machine)';
if (skip) console.warn(`SKIPPED: examples/notes image tests: ${skip}`);

const NETNS = 'kilnnotes';
const TAP = 'kilnnotes0';
const HOST_IP = '10.94.0.1';
const GUEST_IP = '10.94.0.2';
const URL = `http://${GUEST_IP}`;
/** SIGKILLs of kiln-hvt; KILN_NOTES_KILLS=N makes the test a soak (README.md's figures), its disk growing to hold the notes. */
const KILLS = Number(process.env.KILN_NOTES_KILLS ?? 4);
if (!Number.isSafeInteger(KILLS) || KILLS < 1) throw new Error(`KILN_NOTES_KILLS=${process.env.KILN_NOTES_KILLS}: expected a whole number of at least 1`);
const DISK_MB = Math.max(2, Math.ceil(KILLS / 4));
const kiln = join(ROOT, 'cli', 'kiln.js');
const out = join(ROOT, 'build', 'notes-image');
const disk = join(out, 'disk.img');

const CURL = `LD_LIBRARY_PATH=/root ip netns exec ${NETNS} ./curl -sS --no-progress-meter --max-time 20`;
const SERVE = `ip netns exec ${NETNS} ./kiln-hvt --mem=64 --net:service=${TAP} --block:storage=disk.img notes.hvt --ipv4=${GUEST_IP}/24 --port=80`;
const UP = `i=0; until ${CURL} -o /dev/null ${URL}/ 2>/dev/null; do i=$((i+1)); [ $i -ge 60 ] && break; sleep 1; done`;

const namespace = tapNamespaceCases(NETNS, TAP, HOST_IP);
const cases = [
  namespace.up,
  {
    name: 'serve',
    run: [
      `${SERVE} > image.log 2>&1 & pid=$!`,
      UP,
      `echo "SEEDED [$(${CURL} ${URL}/notes/seeded)]"`,
      `echo "PUT $(${CURL} -o /dev/null -w '%{http_code}' -X PUT --data 'from the image' ${URL}/notes/image/one)"`,
      `echo "PUT $(${CURL} -o /dev/null -w '%{http_code}' -X PUT --data 'gone soon' ${URL}/notes/image/two)"`,
      `echo "DELETE $(${CURL} -o /dev/null -w '%{http_code}' -X DELETE ${URL}/notes/image/two)"`,
      `echo "LIST $(${CURL} ${URL}/notes/image)"`,
      'kill $pid; wait $pid; cat image.log',
    ].join('\n'),
  },
  {
    // kill -9 while a client PUTs notes one after another; an acknowledged PUT (201) was durable.
    name: 'kill9',
    run: [
      ': > acked',
      `n=1; while [ $n -le ${KILLS} ]; do`,
      `  ${SERVE} > kill$n.log 2>&1 & pid=$!`,
      `  ${UP}`,
      `  ( j=1; while [ $j -le 400 ]; do c=$(${CURL} -o /dev/null -w '%{http_code}' -X PUT --data "v$n.$j" ${URL}/notes/kill/$n/$j 2>/dev/null); [ "$c" = 201 ] || break; echo "kill/$n/$j v$n.$j" >> acked; j=$((j+1)); done ) & w=$!`,
      '  sleep $((n % 3 + 1)).$((RANDOM % 10))',
      '  kill -9 $pid; wait $pid; wait $w',
      '  n=$((n+1))',
      'done',
      `${SERVE} > check.log 2>&1 & pid=$!`,
      UP,
      'lost=0; while read key value; do got=$(' + CURL + ' ' + URL + '/notes/$key); [ "$got" = "$value" ] || { lost=$((lost+1)); echo "LOST $key [$got]"; }; done < acked',
      'echo "ACKED $(wc -l < acked) LOST $lost"',
      'kill $pid; wait $pid; cat check.log',
    ].join('\n'),
  },
  { name: 'disk-back', run: 'echo DISK-BEGIN; gzip -c disk.img | base64; echo DISK-END' },
  namespace.down,
];

let results: Map<string, KvmCaseResult>;
const output = (name: string): string => results.get(name)?.output ?? '';
const kv = (...args: string[]) => spawnSync(process.execPath, [kiln, 'kv', ...args], { encoding: 'utf8' });

describe.skipIf(skip !== null)('examples/notes as an image (real KVM, curl from a namespace)', () => {
  beforeAll(async () => {
    await buildPlatform();
    mkdirSync(out, { recursive: true });
    const image = (await buildImage(join(ROOT, 'examples', 'notes', 'app.ts'), 'x86_64', join(out, 'notes.hvt'))).path;
    expect(kv('create', disk, '--size', `${DISK_MB}M`, '--force').status).toBe(0);
    expect(kv('put', disk, 'seeded', '--value', 'from the host').status).toBe(0);
    results = await runKvmCases([TENDER, image, disk, ...programFiles(['/usr/bin/curl'])], cases);
  }, 20 * 60_000);

  it('serves a note seeded from the host, stores, lists and removes notes', () => {
    expect(results.get('netns-up')?.status).toBe(0);
    const serve = output('serve');
    expect(serve).toContain('SEEDED [from the host]');
    expect(serve).toContain('PUT 201\nPUT 201\nDELETE 204\n');
    expect(serve).toContain('LIST {"entries":[{"key":"image/one","kind":"value"}]}');
    expect(serve).toContain('notes: 1 keys on the disk');
  });

  it(`loses no acknowledged PUT when kiln-hvt is killed with SIGKILL mid-write (${KILLS} times)`, () => {
    const kill9 = output('kill9');
    const m = /ACKED (\d+) LOST (\d+)/.exec(kill9);
    expect(m, kill9).not.toBeNull();
    console.info(`notes image: ${m![0]} over ${KILLS} SIGKILLs of kiln-hvt`);
    expect(Number(m![1])).toBeGreaterThan(KILLS);
    expect(kill9).not.toContain('LOST kill');
    expect(Number(m![2])).toBe(0);
  });

  it('gives back a disk that kiln kv on the host reads and finds clean', () => {
    const text = output('disk-back');
    const b64 = text.slice(text.indexOf('DISK-BEGIN') + 10, text.indexOf('DISK-END')).replace(/\s+/g, '');
    const back = join(out, 'disk-back.img');
    writeFileSync(back, gunzipSync(Buffer.from(b64, 'base64')));
    expect(kv('get', back, 'image/one').stdout).toBe('from the image');
    expect(kv('get', back, 'seeded').stdout).toBe('from the host');
    expect(kv('list', back).stdout).toBe('image/\nkill/\nseeded\t13\n');
    expect(kv('fsck', back).stdout).toMatch(/clean\n$/);
    expect(results.get('netns-down')?.status).toBe(0);
  });
});
