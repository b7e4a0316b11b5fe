/**
 * HTTP in hvt images under kiln-hvt with real KVM (on this host if it has
 * /dev/kvm, else in the x86_64 test VM): the strict-parsing suite as an
 * image, and examples/http probed by curl from a network namespace the test
 * creates: hello, keep-alive reuse, a chunked upload, 100 parallel clients, a
 * smuggling attempt answered 400; at the memory floor (--mem=10), a burst of
 * 100 clients shed rather than fatal; a graceful stop on SIGTERM; and a
 * name resolved by an image that got its address and DNS server from
 * dnsmasq's DHCP; standard handlers (a `{ fetch }` module, and serveFetch
 * whose handler calls the image's global fetch to busybox httpd), and
 * Hono's app from npm, unchanged.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, TENDER, buildPlatform } from '../platform/build.ts';
import { type KvmCase, type KvmCaseResult, kvmPlace, runKvmCases } from '../harness/cases.ts';
import { programFiles } from '../harness/program-files.ts';
import { tapNamespaceCases } from '../harness/tap-namespace.ts';
import { strictParsingCases } from './strict-parsing.suite.ts';
import { buildImage } from '../../cli/image.ts';

const place = await kvmPlace();
const hasCurl = spawnSync('curl', ['--version']).status === 0;
const DNSMASQ = '/usr/sbin/dnsmasq';
const hasDnsmasq = spawnSync(DNSMASQ, ['--version']).status === 0;
const skip = 'skip' in place ? place.skip : hasCurl ? null : 'needs curl on the host (its binary and libraries are copied to the test machine)';
if (skip) console.warn(`SKIPPED: examples/http image tests: ${skip}`);
else if (!hasDnsmasq) console.warn(`SKIPPED: name lookup in an image configured by DHCP: needs dnsmasq at ${DNSMASQ} (apt-get install dnsmasq)`);

const NETNS = 'kilnhttp';
const TAP = 'kilnhttp0';
const HOST_IP = '10.93.0.1';
const GUEST_IP = '10.93.0.2';
const URL = `http://${GUEST_IP}`;

const CURL = `LD_LIBRARY_PATH=/root ip netns exec ${NETNS} ./curl -sS --no-progress-meter --max-time 60`;
const namespace = tapNamespaceCases(NETNS, TAP, HOST_IP);
const cases = [
  { name: 'suite', run: './kiln-hvt --mem=32 httpsuite.hvt' },
  namespace.up,
  {
    name: 'serve',
    run: [
      `ip netns exec ${NETNS} ./kiln-hvt --mem=64 --net:service=${TAP} http.hvt --ipv4=${GUEST_IP}/24 --port=80 > image.log 2>&1 & pid=$!`,
      // Up once it answers (bounded: 60 tries).
      `i=0; until ${CURL} -o /dev/null ${URL}/ 2>/dev/null; do i=$((i+1)); [ $i -ge 60 ] && break; sleep 1; done`,
      `echo "HELLO [$(${CURL} ${URL}/)]"`,
      `echo "REUSE $(${CURL} -w '%{num_connects},' -o /dev/null ${URL}/ -o /dev/null ${URL}/ -o /dev/null ${URL}/ -o /dev/null ${URL}/)"`,
      'head -c 300000 /dev/urandom > upload.bin',
      `${CURL} -H 'Transfer-Encoding: chunked' --data-binary @upload.bin ${URL}/echo > echoed.bin; cmp upload.bin echoed.bin && echo UPLOAD-SAME`,
      `urls=""; n=0; while [ $n -lt 100 ]; do urls="$urls ${URL}/?c=$n -o /dev/null"; n=$((n+1)); done`,
      `echo "PARALLEL $(${CURL} --parallel --parallel-immediate --parallel-max 100 -w '%{http_code}\\n' $urls | grep -c '^200$')"`,
      `printf 'POST /echo HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\nGET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n' > smuggle.txt`,
      `echo "SMUGGLE [$(ip netns exec ${NETNS} busybox nc -w 10 ${GUEST_IP} 80 < smuggle.txt | head -1 | tr -d '\\r')]"`,
      `echo "STATS $(${CURL} ${URL}/stats)"`,
      'kill $pid; wait $pid; echo "image status $?"; cat image.log',
    ].join('\n'),
  },
  {
    // The memory floor: at --mem=10 a burst of 100 clients at once is more than the image holds, so it must shed load
    // (reset new connections while memory is short) and stay up, instead of dying out of memory.
    name: 'small-memory',
    run: [
      // Below the floor (6 MiB today): one clear line and status 2, not a crash.
      `ip netns exec ${NETNS} ./kiln-hvt --mem=6 --net:service=${TAP} http.hvt --ipv4=${GUEST_IP}/24 --port=80; echo "TOO SMALL $?"`,
      `ip netns exec ${NETNS} ./kiln-hvt --mem=10 --net:service=${TAP} http.hvt --ipv4=${GUEST_IP}/24 --port=80 > small.log 2>&1 & pid=$!`,
      `i=0; until ${CURL} -o /dev/null ${URL}/ 2>/dev/null; do i=$((i+1)); [ $i -ge 60 ] && break; sleep 1; done`,
      `urls=""; n=0; while [ $n -lt 400 ]; do urls="$urls ${URL}/?c=$n -o /dev/null"; n=$((n+1)); done`,
      `echo "BURST $(${CURL} --parallel --parallel-immediate --parallel-max 100 -w '%{http_code}\\n' $urls 2>/dev/null | grep -c '^200$')"`,
      'kill -0 $pid && echo ALIVE',
      // Once the burst's connections are torn down it serves again; the first tries may still be shed while they are (bounded: 20 tries).
      `i=0; until after=$(${CURL} ${URL}/ 2>/dev/null) && [ "$after" = hello ]; do i=$((i+1)); [ $i -ge 20 ] && break; sleep 0.5; done; echo "AFTER [$after] after $i retries"`,
      `echo "STATS $(${CURL} ${URL}/stats)"`,
      'kill $pid; wait $pid; cat small.log',
    ].join('\n'),
  },
  {
    // Bodies stream both ways: 64 MiB PUT to /echo and read back whole, through an image whose heap is 10 MiB. The
    // request body is a ReadableStream over the connection and the response is that stream, written as it comes
    // (chunked); TCP's window holds the client back while the handler waits to write.
    name: 'stream-small-memory',
    run: [
      `ip netns exec ${NETNS} ./kiln-hvt --mem=10 --net:service=${TAP} http.hvt --ipv4=${GUEST_IP}/24 --port=80 --max-body-mib=64 > stream.log 2>&1 & pid=$!`,
      `i=0; until ${CURL} -o /dev/null ${URL}/ 2>/dev/null; do i=$((i+1)); [ $i -ge 60 ] && break; sleep 1; done`,
      'head -c 67108864 /dev/urandom > big.bin',
      `${CURL} -D big-head.txt -T big.bin ${URL}/echo | cmp - big.bin && echo BIG-ECHO-SAME`,
      `echo "BIG-FRAMING $(tr -d '\\r' < big-head.txt | grep -i -e '^transfer-encoding' -e '^content-length' | tr 'A-Z' 'a-z')"`,
      'rm -f big.bin',
      `echo "STATS $(${CURL} ${URL}/stats)"`,
      'kill $pid; wait $pid; echo "stream status $?"; cat stream.log',
    ].join('\n'),
  },
  {
    // Standard handlers: a `{ fetch }` module (worker.hvt), and serveFetch with the image's global fetch
    // calling busybox httpd on the namespace's address (webfetch.hvt).
    name: 'web',
    run: [
      'mkdir -p www && echo "from busybox httpd" > www/file.txt',
      `ip netns exec ${NETNS} busybox httpd -f -p ${HOST_IP}:8080 -h www & httpd=$!`,
      `ip netns exec ${NETNS} ./kiln-hvt --mem=32 --net:service=${TAP} worker.hvt --ipv4=${GUEST_IP}/24 --port=80 > worker.log 2>&1 & pid=$!`,
      `i=0; until ${CURL} -o /dev/null ${URL}/hello 2>/dev/null; do i=$((i+1)); [ $i -ge 60 ] && break; sleep 1; done`,
      `echo "WORKER-HELLO [$(${CURL} ${URL}/hello)]"`,
      `echo "WORKER-JSON $(${CURL} -d posted ${URL}/a/b)"`,
      'kill $pid; wait $pid; cat worker.log',
      `ip netns exec ${NETNS} ./kiln-hvt --mem=32 --net:service=${TAP} webfetch.hvt --ipv4=${GUEST_IP}/24 --port=80 > webfetch.log 2>&1 & pid=$!`,
      `i=0; until ${CURL} -o /dev/null ${URL}/json/x 2>/dev/null; do i=$((i+1)); [ $i -ge 60 ] && break; sleep 1; done`,
      `echo "FETCH-JSON $(${CURL} '${URL}/json/a%20b?q=1')"`,
      'head -c 300000 /dev/urandom > web-upload.bin',
      `${CURL} -H 'Transfer-Encoding: chunked' --data-binary @web-upload.bin ${URL}/echo > web-echoed.bin; cmp web-upload.bin web-echoed.bin && echo WEB-ECHO-SAME`,
      `echo "PROXY [$(${CURL} '${URL}/proxy?url=http://${HOST_IP}:8080/file.txt')]"`,
      'kill $pid; wait $pid; kill $httpd; cat webfetch.log',
      `ip netns exec ${NETNS} ./kiln-hvt --mem=32 --net:service=${TAP} hono.hvt --ipv4=${GUEST_IP}/24 --port=80 > hono.log 2>&1 & pid=$!`,
      `i=0; until ${CURL} -o /dev/null ${URL}/ 2>/dev/null; do i=$((i+1)); [ $i -ge 60 ] && break; sleep 1; done`,
      `echo "HONO-TEXT [$(${CURL} ${URL}/)]"`,
      `echo "HONO-PARAMS $(${CURL} -D - '${URL}/api/posts/7?page=2' | tr -d '\\r' | grep -i -e '^x-powered-by' -e '^{')"`,
      `echo "HONO-POST $(${CURL} -w ' %{http_code}' -H 'content-type: application/json' -d '{"title":"t"}' ${URL}/api/posts)"`,
      'head -c 3000 /dev/urandom > form-upload.bin',
      `echo "HONO-MULTIPART $(${CURL} -F title=kiln -F 'file=@form-upload.bin;type=application/x-bin' ${URL}/api/form)"`,
      `echo "HONO-URLENCODED $(${CURL} -d a=1 -d 'b=x+y' ${URL}/api/form)"`,
      `echo "HONO-404 $(${CURL} -w ' %{http_code}' ${URL}/nope)"`,
      `echo "HONO-STREAM $(${CURL} -D - ${URL}/api/stream | tr -d '\\r' | grep -i -e '^transfer-encoding' -e '^chunk' | tr '\\n' ' ')"`,
      'kill $pid; wait $pid; cat hono.log',
      `ip netns exec ${NETNS} ./kiln-hvt --mem=32 --net:service=${TAP} itty.hvt --ipv4=${GUEST_IP}/24 --port=80 > itty.log 2>&1 & pid=$!`,
      `i=0; until ${CURL} -o /dev/null ${URL}/ 2>/dev/null; do i=$((i+1)); [ $i -ge 60 ] && break; sleep 1; done`,
      `echo "ITTY-TEXT [$(${CURL} ${URL}/)]"`,
      `echo "ITTY-PARAMS $(${CURL} '${URL}/items/7?sort=asc')"`,
      `echo "ITTY-POST $(${CURL} -w ' %{http_code}' -H 'content-type: application/json' -d '{"name":"kettle"}' ${URL}/items)"`,
      `echo "ITTY-ERROR $(${CURL} -w ' %{http_code}' ${URL}/teapot)"`,
      `echo "ITTY-404 $(${CURL} -o /dev/null -w '%{http_code}' ${URL}/nope)"`,
      'kill $pid; wait $pid; cat itty.log',
    ].join('\n'),
  },
  ...dhcpDnsCases(),
  namespace.down,
];

/** With dnsmasq on the host (copied in with its libraries), as DHCP and DNS server in the namespace. */
function dhcpDnsCases(): KvmCase[] {
  if (!hasDnsmasq) return [];
  return [{
    // No --ipv4 and no --resolver: the address and the DNS server both come from dnsmasq's DHCP (option 6), and the
    // name is answered by dnsmasq's DNS on the namespace's address (from its own table; the rest of kiln.test is NXDOMAIN).
    name: 'dhcp-dns',
    run: [
      "grep -q '^root:' /etc/passwd 2>/dev/null || echo 'root:x:0:0:root:/root:/bin/sh' >> /etc/passwd",
      "grep -q '^root:' /etc/group 2>/dev/null || echo 'root:x:0:' >> /etc/group",
      `LD_LIBRARY_PATH=/root ip netns exec ${NETNS} ./dnsmasq --no-daemon --user=root --group=root --pid-file= --interface=${TAP} ` +
        `--bind-interfaces --no-resolv --no-hosts --local=/kiln.test/ --address=/web.kiln.test/10.93.0.99 ` +
        `--dhcp-range=10.93.0.50,10.93.0.60,255.255.255.0,2m --dhcp-leasefile=/root/leases > dnsmasq.log 2>&1 & dns=$!`,
      'sleep 1',
      `ip netns exec ${NETNS} ./kiln-hvt --mem=32 --net:service=${TAP} resolve.hvt --name=web.kiln.test; echo "status $?"`,
      `ip netns exec ${NETNS} ./kiln-hvt --mem=32 --net:service=${TAP} resolve.hvt --name=nothing.kiln.test; echo "status $?"`,
      'kill $dns; wait $dns; cat dnsmasq.log',
    ].join('\n'),
  }];
}

let results: Map<string, KvmCaseResult>;

describe.skipIf(skip !== null)('HTTP in hvt images (real KVM, curl from a namespace)', () => {
  beforeAll(async () => {
    await buildPlatform();
    const out = join(ROOT, 'build', 'http-image');
    mkdirSync(out, { recursive: true });
    // Built asynchronously: a worker blocked for a minute misses vitest's RPC deadline.
    const build = async (app: string, image: string): Promise<string> => (await buildImage(app, 'x86_64', join(out, image))).path;
    const images = [
      await build(join(ROOT, 'examples', 'http', 'app.ts'), 'http.hvt'),
      await build(join(ROOT, 'test', 'http', 'suite-app.ts'), 'httpsuite.hvt'),
      await build(join(ROOT, 'test', 'http', 'resolve-app.ts'), 'resolve.hvt'),
      await build(join(ROOT, 'test', 'http', 'worker-app.ts'), 'worker.hvt'),
      await build(join(ROOT, 'test', 'http', 'web-fetch-app.ts'), 'webfetch.hvt'),
      await build(join(ROOT, 'test', 'http', 'hono-app.ts'), 'hono.hvt'),
      await build(join(ROOT, 'test', 'http', 'itty-app.ts'), 'itty.hvt'),
    ];
    results = await runKvmCases([TENDER, ...images, ...programFiles(hasDnsmasq ? ['/usr/bin/curl', DNSMASQ] : ['/usr/bin/curl'])], cases);
  }, 20 * 60_000);

  const output = (name: string): string => {
    const r = results.get(name);
    if (!r) throw new Error(`no result for ${name}`);
    return r.output;
  };

  it('passes the strict-parsing suite inside an image', () => {
    const suite = results.get('suite')!;
    expect(suite.output.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(suite.output).toContain('\n0 failed');
    expect(suite.output.match(/^PASS /gm)).toHaveLength(strictParsingCases().length);
    expect(suite.status).toBe(0);
  });

  it('serves hello, reuses a kept-alive connection, echoes a chunked upload', () => {
    expect(results.get('netns-up')?.status).toBe(0);
    const out = output('serve');
    expect(out).toContain('HELLO [hello]');
    expect(out).toContain('REUSE 1,0,0,0,');
    expect(out).toContain('UPLOAD-SAME');
  });

  it('serves 100 parallel clients and answers a smuggling attempt 400', () => {
    const out = output('serve');
    expect(out).toContain('PARALLEL 100');
    expect(out).toContain('SMUGGLE [HTTP/1.1 400 Bad Request]');
    expect(out).toMatch(/STATS \{"uptimeSeconds":[\d.]+,"requests":\d+/);
  });

  it('says it needs more memory at --mem=6; stays up at --mem=10 under a burst of 100 clients, shedding what it cannot hold', () => {
    const out = output('small-memory');
    // Where the heap runs out depends on the bundle's size: loading the app, or making its stack.
    expect(out).toMatch(/(http: stack 'service'|kiln): out of memory (loading the app )?in a heap of \d+ bytes; give the unikernel more \(--mem\)\nTOO SMALL 2\n/);
    expect(out).toContain('ALIVE');
    expect(out).toMatch(/AFTER \[hello\] after \d+ retries/);
    expect(Number(/BURST (\d+)/.exec(out)?.[1])).toBeGreaterThan(0);
    expect(out).toMatch(/STATS \{"uptimeSeconds":[\d.]+,"requests":\d+,"connections":\d+,"shedConnections":\d+/);
    expect(out.slice(out.indexOf('TOO SMALL'))).not.toMatch(/Uncaught|out of memory/);
    expect(out).toContain('[info] http: stopped after');
  });

  it('echoes a 64 MiB upload through a handler at --mem=10: both bodies streamed, the response chunked', () => {
    const out = output('stream-small-memory');
    expect(out).toContain('BIG-ECHO-SAME');
    expect(out).toContain('BIG-FRAMING transfer-encoding: chunked');
    expect(out).toContain('stream status 0');
    expect(out).not.toMatch(/Uncaught|out of memory/);
  });

  it('serves a `{ fetch }` module and a standard handler whose global fetch reaches a server in the namespace', () => {
    const out = output('web');
    expect(out).toContain('WORKER-HELLO [hello from a fetch module]');
    expect(out).toContain('WORKER-JSON {"path":"/a/b","method":"POST","body":"posted"}');
    expect(out).toContain('[info] fetch: serving fetch on 0.0.0.0:80');
    expect(out).toContain('FETCH-JSON {"name":"a b","q":"1","method":"GET"}');
    expect(out).toContain('WEB-ECHO-SAME');
    expect(out).toContain('PROXY [upstream 200 text/plain [from busybox httpd]]');
    expect(out).not.toMatch(/Uncaught/);
  });

  it("serves Hono's app unchanged from npm: routing, params, query, middleware, JSON, form bodies (parseBody), notFound", () => {
    const out = output('web');
    expect(out).toContain('HONO-TEXT [Hono!]');
    expect(out).toMatch(/HONO-PARAMS x-powered-by: hono-on-kiln\s+\{"id":"7","page":"2"\}/i);
    expect(out).toContain('HONO-POST {"created":"t"} 201');
    expect(out).toContain('HONO-404 {"error":"not found","path":"/nope"} 404');
    expect(out).toContain('HONO-MULTIPART {"title":"kiln","file":{"file":"form-upload.bin","type":"application/x-bin","size":3000}}');
    expect(out).toContain('HONO-URLENCODED {"a":"1","b":"x y"}');
    expect(out).toContain('--> GET /api/posts/7?page=2');
    expect(out).toMatch(/HONO-STREAM transfer-encoding: chunked chunk 1 chunk 2 chunk 3 /i);
  });

  it('serves an itty-router app unchanged from npm: params, query, middleware, JSON both ways, error helper, 404', () => {
    const out = output('web');
    expect(out).toContain('ITTY-TEXT [itty!]');
    expect(out).toContain('ITTY-PARAMS {"id":"7","sort":"asc","via":"itty-on-kiln"}');
    expect(out).toContain('ITTY-POST {"created":"kettle"} 201');
    expect(out).toContain('ITTY-ERROR {"status":418,"error":"short and stout"} 418');
    expect(out).toContain('ITTY-404 404');
  });

  it.skipIf(!hasDnsmasq)('takes its address and DNS server from DHCP and resolves a name with no --resolver (lib/dns in an image)', () => {
    const out = output('dhcp-dns');
    expect(out).toMatch(/address 10\.93\.0\.(5\d|60) \(dhcp\), DNS servers \[10\.93\.0\.1\]\n/);
    expect(out).toContain('web.kiln.test -> [10.93.0.99]\nstatus 0');
    expect(out).toContain('nothing.kiln.test -> not-found\nstatus 1');
  });

  it('logs its start, stops gracefully on SIGTERM (asked by kiln-hvt, stacks closed, status 0), and leaves no namespace behind', () => {
    const out = output('serve');
    expect(out).toContain('[info] http: listening on 0.0.0.0:80');
    expect(out).toContain('image status 0');
    expect(out).toContain('kiln-hvt: SIGTERM: asking the guest to stop (again, or in 10 s, ends it)');
    expect(out).toContain('http: SIGTERM: stopping (closing network devices)');
    expect(out).toMatch(/\[info\] http: stopped after \d+ requests/);
    expect(out).not.toContain('kiln-hvt: stopped by a signal');
    expect(results.get('netns-down')?.status).toBe(0);
  });
});
