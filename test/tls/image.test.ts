/**
 * HTTPS from an hvt image: examples/https with a certificate and key as boot
 * arguments, under kiln-hvt with real KVM (this host's, else the x86_64
 * test machine's), probed by curl --tlsv1.3 from a network namespace the
 * test creates. The image's crypto: the runtime's mbedtls bindings and
 * @noble under QuickJS.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, TENDER, buildPlatform } from '../platform/build.ts';
import { type KvmCaseResult, kvmPlace, runKvmCases } from '../harness/cases.ts';
import { programFiles } from '../harness/program-files.ts';
import { tapNamespaceCases } from '../harness/tap-namespace.ts';
import { buildImage } from '../../cli/image.ts';
import { hasOpenssl, makePki } from '../support/tls-pki.ts';

const place = await kvmPlace();
const hasCurl = spawnSync('curl', ['--version']).status === 0;
const skip = 'skip' in place ? place.skip : !hasCurl ? 'needs curl on the host' : !hasOpenssl() ? 'needs openssl on the host' : null;
if (skip) console.warn(`SKIPPED: HTTPS image tests: ${skip}`);

// Images that use lib/tls get the runtime's mbedtls bindings where Debian's libmbedcrypto is installed.
const PROVIDER = existsSync('/usr/lib/x86_64-linux-gnu/libmbedcrypto.a') ? '@noble + mbedtls' : '@noble';
const NETNS = 'kilntls';
const TAP = 'kilntls0';
const HOST_IP = '10.94.0.1';
const GUEST_IP = '10.94.0.2';
const CURL = `LD_LIBRARY_PATH=/root ip netns exec ${NETNS} ./curl -sS --no-progress-meter --max-time 120`;

let results: Map<string, KvmCaseResult>;

describe.skipIf(skip !== null)('HTTPS in an hvt image (real KVM, curl from a namespace)', () => {
  beforeAll(async () => {
    await buildPlatform();
    const out = join(ROOT, 'build', 'tls-image');
    mkdirSync(out, { recursive: true });
    const pki = makePki();
    const leaf = pki.issue('image', { names: [GUEST_IP, 'kiln.test'] });
    const other = makePki();
    writeFileSync(join(out, 'root.pem'), pki.rootPem);
    writeFileSync(join(out, 'other-root.pem'), other.rootPem);
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const image = (await buildImage(join(ROOT, 'examples', 'https', 'app.ts'), 'x86_64', join(out, 'https.hvt'))).path;
    const body = join(out, 'body.bin');
    writeFileSync(body, Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 31) & 0xff)));
    const suites = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
    const namespace = tapNamespaceCases(NETNS, TAP, HOST_IP);
    const cases = [
      namespace.up,
      {
        name: 'serve',
        run: [
          `ip netns exec ${NETNS} ./kiln-hvt --mem=64 --net:service=${TAP} https.hvt --ipv4=${GUEST_IP}/24 --cert=${b64(leaf.chainPem)} --key=${b64(leaf.keyPem)} > image.log 2>&1 & pid=$!`,
          `i=0; until ${CURL} -o /dev/null --cacert root.pem https://${GUEST_IP}/ 2>/dev/null; do i=$((i+1)); [ $i -ge 60 ] && break; sleep 1; done`,
          `echo "HTTPS [$(${CURL} --tlsv1.3 --cacert root.pem https://${GUEST_IP}/)]"`,
          ...suites.flatMap((suite) =>
            ['X25519', 'P-256'].map((group) => `${CURL} -v -o /dev/null --tlsv1.3 --tls13-ciphers ${suite} --curves ${group} --cacert root.pem https://${GUEST_IP}/ 2>&1 | grep -E 'SSL connection using|ALPN: server accepted' | sed 's/^/${group} /'`),
          ),
          `${CURL} --tlsv1.3 --cacert root.pem --data-binary @body.bin https://${GUEST_IP}/echo > echoed.bin; cmp body.bin echoed.bin && echo ECHO-SAME`,
          `${CURL} --tlsv1.3 --cacert other-root.pem https://${GUEST_IP}/ ; echo "UNTRUSTED $?"`,
          // Figures (under emulation, ratios only): 20 requests on one kept-alive connection, and 5 fresh handshakes.
          'ms() { echo $(($(date +%s%N) / 1000000)); }',
          `args20() { n=0; while [ $n -lt 20 ]; do printf '%s -o /dev/null ' "$1"; n=$((n+1)); done; }`,
          `t=$(ms); ${CURL} --tlsv1.3 --cacert root.pem $(args20 https://${GUEST_IP}/); echo "FIGURE https-keepalive-20 $(($(ms)-t)) ms"`,
          `t=$(ms); n=0; while [ $n -lt 5 ]; do ${CURL} -o /dev/null --tlsv1.3 --cacert root.pem https://${GUEST_IP}/; n=$((n+1)); done; echo "FIGURE https-handshakes-5 $(($(ms)-t)) ms"`,
          'kill $pid; wait $pid; cat image.log',
        ].join('\n'),
      },
      namespace.down,
    ];
    results = await runKvmCases(
      [TENDER, image, join(out, 'root.pem'), join(out, 'other-root.pem'), body, ...programFiles(['/usr/bin/curl'])],
      cases,
    );
  }, 30 * 60_000);

  const output = (name: string): string => results.get(name)?.output ?? '';

  it('serves HTTPS on 443 with every suite and group, ALPN http/1.1, and echoes 64 KiB intact', () => {
    expect(results.get('netns-up')?.status).toBe(0);
    const out = output('serve');
    expect(out).toContain('HTTPS [hello]');
    for (const suite of ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256']) {
      for (const group of ['X25519', 'P-256']) expect(out).toContain(`${group} * SSL connection using TLSv1.3 / ${suite}`);
    }
    expect(out).toContain('X25519 * ALPN: server accepted http/1.1');
    expect(out).toContain('ECHO-SAME');
    expect(out).toContain(`[info] https: TLS 1.3 (${PROVIDER}) on 0.0.0.0:443`);
  });

  it('is refused by a client that does not trust its CA', () => {
    const out = output('serve');
    console.log(out.split('\n').filter((l) => l.startsWith('FIGURE')).join('\n'));
    expect(out).toContain('UNTRUSTED 60');
    expect(results.get('netns-down')?.status).toBe(0);
  });
});
