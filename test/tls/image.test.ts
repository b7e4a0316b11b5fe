/**
 * TLS in hvt images under kiln-hvt with real KVM (this host's where it has
 * one for the architecture, else that architecture's emulated machine), on
 * a bridge in a network namespace the test creates:
 *  - examples/https serving with an ECDSA chain and with an RSA chain (an
 *    RSA root and intermediate, PKCS#1 v1.5 certificate signatures, an RSA
 *    leaf signing CertificateVerify with RSA-PSS, all in the image's
 *    mbedtls bindings), fetched by examples/fetch as an image: TLS server
 *    and client, both architectures, and a chain it does not trust refused;
 *  - x86_64 only (the programs are the host's): curl with every suite and
 *    group, ALPN, 64 KiB echoed, an untrusted CA refused, figures; curl and
 *    `openssl s_client` against the RSA image (its RSA-PSS signature checked
 *    by OpenSSL); examples/fetch against `openssl s_server` with the RSA
 *    chain; 64 MiB echoed byte for byte over TLS and over plain TCP by one
 *    image at --mem=16 (test/tls/tls-echo-app.ts, OpenSSL's client
 *    test/tls/tls-roundtrip.c), with the heap it took.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildImage, hasCryptoLibs } from '../../cli/image.ts';
import type { VmArch } from '../../machine/vm.ts';
import { caseResult, kvmSkip, runKvmCases, testArches, type KvmCase, type KvmCaseResult } from '../harness/cases.ts';
import { imageToolsMissing } from '../harness/compiler.ts';
import { programFiles } from '../harness/program-files.ts';
import { ROOT, buildPlatform, lockedMake, outDir, tender } from '../platform/build.ts';
import { hasOpenssl, makePki, type Issued, type Pki } from '../support/tls-pki.ts';

const NETNS = 'kilntls';
const BRIDGE = 'kilntlsbr';
const HOST_IP = '10.94.0.1';
const ECDSA_IP = '10.94.0.2';
const RSA_IP = '10.94.0.3';
const CLIENT_IP = '10.94.0.4';
const BULK_IP = '10.94.0.5';
const TAPS = { ecdsa: 'kilntls0', rsa: 'kilntls1', client: 'kilntls2', bulk: 'kilntls3' };
const SUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const BULK_BYTES = 64 << 20;
const BULK_MEM = 16;

const inNs = (command: string): string => `ip netns exec ${NETNS} ${command}`;
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const serve = (ip: string, tap: string, leaf: Issued): string =>
  inNs(`./kiln-hvt --mem=64 --net:service=${tap} https.hvt --ipv4=${ip}/24 --cert=${b64(leaf.chainPem)} --key=${b64(leaf.keyPem)}`);
const fetch = (url: string, root: string): string =>
  inNs(`timeout 600 ./kiln-hvt --mem=32 --net:service=${TAPS.client} fetch.hvt --ipv4=${CLIENT_IP}/24 --url=${url} --ca=${b64(root)}; echo "FETCH STATUS $?"`);
/** Waits (bounded) until LOG holds the line a server prints once it listens. */
const untilLogged = (log: string, line: string): string => `i=0; until grep -q '${line}' ${log} 2>/dev/null || [ $i -ge 600 ]; do i=$((i+1)); sleep 0.2; done`;

interface Pkis {
  ecdsa: Pki;
  ecdsaLeaf: Issued;
  rsa: Pki;
  rsaLeaf: Issued;
}

/** Cases every architecture runs: both servers, fetched by the fetch image. */
function imageCases(p: Pkis): KvmCase[] {
  return [
    {
      name: 'netns-up',
      run: [
        `ip netns add ${NETNS}`,
        inNs('ip link set lo up'),
        inNs(`ip link add ${BRIDGE} type bridge`),
        inNs(`ip link set ${BRIDGE} up`),
        inNs(`ip addr add ${HOST_IP}/24 dev ${BRIDGE}`),
        ...Object.values(TAPS).flatMap((t) => [inNs(`ip tuntap add ${t} mode tap`), inNs(`ip link set ${t} master ${BRIDGE}`), inNs(`ip link set ${t} up`)]),
      ].join(' && '),
    },
    {
      name: 'serve',
      run: [
        `${serve(ECDSA_IP, TAPS.ecdsa, p.ecdsaLeaf)} > ecdsa.log 2>&1 & echo $! > ecdsa.pid`,
        `${serve(RSA_IP, TAPS.rsa, p.rsaLeaf)} > rsa.log 2>&1 & echo $! > rsa.pid`,
        untilLogged('ecdsa.log', 'https: TLS 1.3'),
        untilLogged('rsa.log', 'https: TLS 1.3'),
        'cat ecdsa.log rsa.log',
      ].join('\n'),
    },
    { name: 'fetch-ecdsa', run: fetch(`https://${ECDSA_IP}/`, p.ecdsa.rootPem) },
    { name: 'fetch-rsa', run: fetch(`https://${RSA_IP}/`, p.rsa.rootPem) },
    { name: 'fetch-untrusted', run: fetch(`https://${RSA_IP}/`, p.ecdsa.rootPem) },
  ];
}

const CURL = `LD_LIBRARY_PATH=/root ${inNs('./curl -sS --no-progress-meter --max-time 120')}`;
const OPENSSL = `LD_LIBRARY_PATH=/root ${inNs('./openssl')}`;

/** Cases with the host's programs as peers (x86_64 only: they are this host's binaries). */
function peerCases(p: Pkis): KvmCase[] {
  const url = `https://${ECDSA_IP}/`;
  return [
    {
      name: 'curl',
      run: [
        `echo "HTTPS [$(${CURL} --tlsv1.3 --cacert ecdsa-root.pem ${url})]"`,
        ...SUITES.flatMap((suite) =>
          ['X25519', 'P-256'].map((group) => `${CURL} -v -o /dev/null --tlsv1.3 --tls13-ciphers ${suite} --curves ${group} --cacert ecdsa-root.pem ${url} 2>&1 | grep -E 'SSL connection using|ALPN: server accepted' | sed 's/^/${group} /'`),
        ),
        `${CURL} --tlsv1.3 --cacert ecdsa-root.pem --data-binary @body.bin ${url}echo > echoed.bin; cmp body.bin echoed.bin && echo ECHO-SAME`,
        `${CURL} --tlsv1.3 --cacert rsa-root.pem ${url} ; echo "UNTRUSTED $?"`,
        // Figures: 20 requests on one kept-alive connection, and 5 fresh handshakes.
        'ms() { echo $(($(date +%s%N) / 1000000)); }',
        `args20() { n=0; while [ $n -lt 20 ]; do printf '%s -o /dev/null ' "$1"; n=$((n+1)); done; }`,
        `t=$(ms); ${CURL} --tlsv1.3 --cacert ecdsa-root.pem $(args20 ${url}); echo "FIGURE https-keepalive-20 $(($(ms)-t)) ms"`,
        `t=$(ms); n=0; while [ $n -lt 5 ]; do ${CURL} -o /dev/null --tlsv1.3 --cacert ecdsa-root.pem ${url}; n=$((n+1)); done; echo "FIGURE https-handshakes-5 $(($(ms)-t)) ms"`,
      ].join('\n'),
    },
    {
      name: 'rsa-peers',
      run: [
        `echo "RSA HTTPS [$(${CURL} --tlsv1.3 --cacert rsa-root.pem https://${RSA_IP}/)]"`,
        `${OPENSSL} s_client -connect ${RSA_IP}:443 -tls1_3 -CAfile rsa-root.pem -verify_return_error < /dev/null 2>&1 | grep -E 'Peer signature type|Verification|New, TLSv1.3'`,
      ].join('\n'),
    },
    {
      name: 'fetch-from-openssl',
      run: [
        `${OPENSSL} s_server -accept ${HOST_IP}:4433 -tls1_3 -cert rsa-leaf.pem -cert_chain rsa-int.pem -key rsa-leaf.key -www -quiet > s_server.log 2>&1 & spid=$!`,
        'sleep 1',
        fetch(`https://${HOST_IP}:4433/`, p.rsa.rootPem),
        'kill $spid; wait $spid',
      ].join('\n'),
    },
    {
      name: 'bulk',
      run: [
        // The TLS port (443) and the plain one (7) of one image with a small heap; OpenSSL's client on TLS.
        `${inNs(`./kiln-hvt --mem=${BULK_MEM} --net:service=${TAPS.bulk} tls-echo.hvt --ipv4=${BULK_IP}/24 --cert=${b64(p.ecdsaLeaf.chainPem)} --key=${b64(p.ecdsaLeaf.keyPem)}`)} > bulk.log 2>&1 & bpid=$!`,
        untilLogged('bulk.log', 'tls-echo: plain on'),
        `LD_LIBRARY_PATH=/root ${inNs(`timeout 600 ./tls-roundtrip tls ${BULK_IP} 443 ${BULK_BYTES} ecdsa-root.pem`)}`,
        `LD_LIBRARY_PATH=/root ${inNs(`timeout 600 ./tls-roundtrip tcp ${BULK_IP} 7 ${BULK_BYTES}`)}`,
        'sleep 1; kill $bpid; wait $bpid; cat bulk.log',
      ].join('\n'),
    },
  ];
}

const stopCases: KvmCase[] = [
  {
    // Started by an earlier case (another subshell): stopped by pid, and awaited by polling (bounded).
    name: 'stop',
    run: 'for s in ecdsa rsa; do p=$(cat $s.pid); kill $p; i=0; while kill -0 $p 2>/dev/null && [ $i -lt 100 ]; do i=$((i+1)); sleep 0.1; done; done; cat ecdsa.log rsa.log',
  },
  { name: 'netns-down', run: `ip netns del ${NETNS}` },
];

async function build(arch: VmArch, p: Pkis, withPeers: boolean): Promise<string[]> {
  const out = join(outDir(arch), 'tls-image');
  mkdirSync(out, { recursive: true });
  await lockedMake('runtime', 'host', 'image-libs', `ARCH=${arch}`);
  await buildPlatform(arch);
  const files = [tender(arch)];
  for (const [name, app] of [['https', 'examples/https/app.ts'], ['fetch', 'examples/fetch/app.ts'], ...(withPeers ? [['tls-echo', 'test/tls/tls-echo-app.ts']] : [])]) {
    files.push((await buildImage(join(ROOT, app!), arch, join(out, `${name}.hvt`))).path);
  }
  if (!withPeers) return files;
  const body = join(out, 'body.bin');
  writeFileSync(body, Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 31) & 0xff)));
  const named = (name: string, text: string): string => {
    writeFileSync(join(out, name), text);
    return join(out, name);
  };
  const client = join(out, 'tls-roundtrip');
  execFileSync('gcc', ['-Wall', '-Wextra', '-O2', '-o', client, join(ROOT, 'test', 'tls', 'tls-roundtrip.c'), '-lssl', '-lcrypto']);
  return [
    ...files,
    body,
    named('ecdsa-root.pem', p.ecdsa.rootPem),
    named('rsa-root.pem', p.rsa.rootPem),
    named('rsa-leaf.pem', p.rsaLeaf.certPem),
    named('rsa-int.pem', p.rsaLeaf.chainPem.slice(p.rsaLeaf.certPem.length)),
    named('rsa-leaf.key', p.rsaLeaf.keyPem),
    ...programFiles(['/usr/bin/curl', '/usr/bin/openssl', client]),
  ];
}

function peersMissing(): string | null {
  if (spawnSync('curl', ['--version']).status !== 0) return 'curl';
  if (!existsSync('/usr/include/openssl/ssl.h')) return 'libssl-dev (OpenSSL client)';
  return null;
}

for (const arch of testArches()) {
  const skip = await kvmSkip(arch, 'TLS images under kiln-hvt', (await imageToolsMissing(arch)) ?? (hasOpenssl() ? null : 'needs openssl on the host (test certificates)'));
  const missingPeers = arch !== 'x86_64' ? `x86_64 (this host's curl, openssl and OpenSSL client do not run in the ${arch} machine)` : peersMissing();
  if (!skip && missingPeers) console.warn(`SKIPPED: ${arch}: TLS images against curl, openssl and 64 MiB echoed: needs ${missingPeers}`);
  let results: Map<string, KvmCaseResult>;
  const output = (name: string): string => caseResult(results, name).output;

  describe.skipIf(skip !== null)(`${arch}: TLS in hvt images (real KVM, a bridge in a namespace)`, () => {
    beforeAll(async () => {
      const ecdsa = makePki();
      const rsa = makePki('rsa');
      const p: Pkis = { ecdsa, ecdsaLeaf: ecdsa.issue('ecdsa', { names: [ECDSA_IP, BULK_IP, 'kiln.test'] }), rsa, rsaLeaf: rsa.issue('rsa', { kind: 'rsa', names: [RSA_IP, HOST_IP] }) };
      const cases = [...imageCases(p), ...(missingPeers ? [] : peerCases(p)), ...stopCases];
      results = await runKvmCases(await build(arch, p, missingPeers === null), cases, 45 * 60_000, arch);
    }, 60 * 60_000);

    it('serves HTTPS with an ECDSA and an RSA chain, and fetches from both with examples/fetch as an image', () => {
      expect(caseResult(results, 'netns-up').status).toBe(0);
      // Images that use lib/tls get the runtime's crypto bindings where Debian's libmbedcrypto and libbearssl are installed.
      const provider = hasCryptoLibs(arch) ? '@noble + mbedtls' : '@noble';
      expect(output('serve').match(new RegExp(`\\[info\\] https: TLS 1\\.3 \\(${provider.replace('+', '\\+')}\\) on 0\\.0\\.0\\.0:443`, 'g'))).toHaveLength(2);
      for (const name of ['fetch-ecdsa', 'fetch-rsa']) {
        const out = output(name);
        expect(out).toContain('fetch: 200 OK');
        expect(out).toMatch(/fetch: TLS 1\.3 TLS_AES_128_GCM_SHA256, /);
        expect(out).toContain('hello');
        expect(out).toContain('FETCH STATUS 0');
      }
    });

    it('refuses, as a client, a chain it does not trust', () => {
      expect(output('fetch-untrusted')).toContain('is not issued by a trusted CA');
      expect(output('fetch-untrusted')).toContain('FETCH STATUS 1');
    });

    it.skipIf(missingPeers !== null)('serves curl with every suite and group, ALPN http/1.1, echoes 64 KiB, and is refused by a client without its CA', () => {
      const out = output('curl');
      console.log(out.split('\n').filter((l) => l.startsWith('FIGURE')).join('\n'));
      expect(out).toContain('HTTPS [hello]');
      for (const suite of SUITES) for (const group of ['X25519', 'P-256']) expect(out).toContain(`${group} * SSL connection using TLSv1.3 / ${suite}`);
      expect(out).toContain('X25519 * ALPN: server accepted http/1.1');
      expect(out).toContain('ECHO-SAME');
      expect(out).toContain('UNTRUSTED 60');
    });

    it.skipIf(missingPeers !== null)('signs with RSA-PSS for curl and openssl s_client, and verifies openssl s_server\'s RSA chain', () => {
      const out = output('rsa-peers');
      expect(out).toContain('RSA HTTPS [hello]');
      expect(out).toContain('Peer signature type: RSA-PSS');
      expect(out).toContain('Verification: OK');
      expect(out).toContain('New, TLSv1.3');
      const fetched = output('fetch-from-openssl');
      expect(fetched).toContain('fetch: 200 ok');
      expect(fetched).toContain('FETCH STATUS 0');
    });

    it.skipIf(missingPeers !== null)(`echoes ${BULK_BYTES >> 20} MiB byte for byte over TLS and over plain TCP at --mem=${BULK_MEM}, against OpenSSL`, () => {
      const out = output('bulk');
      console.log(out.split('\n').filter((l) => /tls-roundtrip:|echoed \d+ bytes/.test(l)).join('\n'));
      expect(out).toMatch(new RegExp(`tls-roundtrip: ${BULK_BYTES} bytes echoed byte-exact in .* over TLS_AES_128_GCM_SHA256`));
      expect(out).toMatch(new RegExp(`tls-roundtrip: ${BULK_BYTES} bytes echoed byte-exact in .* over plain TCP`));
      expect(out).toContain(`tls-echo: TLS: echoed ${BULK_BYTES} bytes, heap`);
      expect(out).toContain(`tls-echo: TCP: echoed ${BULK_BYTES} bytes, heap`);
    });

    it('stops the servers and removes the namespace', () => {
      expect(caseResult(results, 'netns-down').status).toBe(0);
    });
  });
}
