/**
 * Measures the TLS crypto candidates side by side and prints a table:
 * node:crypto and @noble on Node, @noble under the image's QuickJS as a
 * hosted Linux process (the same engine and runtime as an image), and
 * Debian's mbedtls 2.28 in C (when libmbedtls-dev is installed). All
 * figures are native (no emulated machine). lib/tls/README.md quotes them.
 *
 *   node -e "import('./cli/run-ts.js').then((m) => m.runTs('bench/tls/quickjs-crypto.ts', []))"
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { nodeCryptoProvider } from '../../drivers/unix/tls-crypto.ts';
import { unixRandom } from '../../drivers/unix/random.ts';
import { nobleCryptoProvider } from '../../lib/tls/noble-crypto.ts';
import { entryBytecode, linkHostedImage } from '../../test/harness/hosted-image.ts';
import { makePki } from '../../test/support/tls-pki.ts';
import { repoRoot } from '../../cli/paths.ts';
import { hasCryptoLibs } from '../../cli/image.ts';
import { probe } from './crypto-probe.ts';

export async function main(): Promise<number> {
  const pki = makePki();
  const leaf = pki.issue('probe');
  const pem = { root: pki.rootPem, chain: leaf.chainPem, key: leaf.keyPem };
  const results: Record<string, Record<string, number>> = {};
  results['node:crypto (Node)'] = probe({ provider: nodeCryptoProvider, random: unixRandom, rootPem: pem.root, chainPem: pem.chain, keyPem: pem.key, scale: 20 });
  results['@noble (Node)'] = probe({ provider: nobleCryptoProvider, random: unixRandom, rootPem: pem.root, chainPem: pem.chain, keyPem: pem.key, scale: 4 });

  const work = join(repoRoot, 'build', 'x86_64', 'tls-probe');
  const bytecode = await entryBytecode(join(repoRoot, 'bench', 'tls', 'quickjs-entry.ts'), work, 'probe', { PROBE_PEM: { ...pem, scale: 1 } });
  const hasMbedtls = existsSync('/usr/include/mbedtls/gcm.h') && existsSync('/usr/lib/x86_64-linux-gnu/libmbedcrypto.a');
  const runHosted = (name: string, crypto: boolean): void => {
    const binary = join(work, crypto ? 'probe-crypto' : 'probe');
    linkHostedImage(bytecode, binary, crypto);
    const output = execFileSync(binary, ['--mem=256'], { encoding: 'utf8', timeout: 600_000 });
    const line = output.split('\n').find((l) => l.startsWith('{'));
    if (!line) throw new Error(`no result from the QuickJS probe: ${output}`);
    results[name] = JSON.parse(line) as Record<string, number>;
  };
  runHosted('@noble (QuickJS hosted)', false);
  if (hasCryptoLibs('x86_64')) runHosted('@noble + mbedtls bindings (QuickJS hosted)', true);
  else console.log('bindings: skipped: needs libmbedtls-dev and libbearssl-dev (cli/setup.sh)');

  if (hasMbedtls) {
    const probe = join(work, 'mbedtls-probe');
    execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-o', probe, join(repoRoot, 'bench', 'tls', 'mbedtls-probe.c'), '-lmbedcrypto']);
    results['mbedtls 2.28 (C)'] = JSON.parse(execFileSync(probe, { encoding: 'utf8' })) as Record<string, number>;
  } else {
    console.log('mbedtls: skipped: needs libmbedtls-dev (apt-get install libmbedtls-dev)');
  }

  const names = Object.keys(results);
  const rows = Object.keys(results[names[0]!]!);
  console.log(`| measure | ${names.join(' | ')} |`);
  console.log(`|---|${names.map(() => '---:').join('|')}|`);
  for (const r of rows) console.log(`| ${r} | ${names.map((n) => (results[n]![r] ?? NaN).toFixed(1)).join(' | ')} |`);
  return 0;
}
