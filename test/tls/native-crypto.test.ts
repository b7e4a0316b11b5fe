/**
 * The runtime's mbedtls bindings (runtime/crypto) under QuickJS: the
 * provider vectors run inside a hosted image linked with --crypto, through
 * lib/tls's image provider, RSA included (OpenSSL's signatures verified
 * there, and its own verified here). Native, no emulated machine.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { constants, createPublicKey, verify } from 'node:crypto';
import { hasCryptoLibs } from '../../cli/image.ts';
import { entryBytecode, linkHostedImage } from '../harness/hosted-image.ts';
import { nobleCryptoProvider } from '../../lib/tls/noble-crypto.ts';
import { VECTOR_CHECKS, crossChecks, rsaChecks } from './provider-vectors.ts';
import { makeRsaVectors } from './rsa-vectors.ts';

const ROOT = join(__dirname, '..', '..');
const missing =
  process.arch !== 'x64' || process.platform !== 'linux'
    ? 'Linux on x86_64'
    : !existsSync('/usr/lib/x86_64-linux-musl/libc.a')
      ? 'musl-dev'
      : !hasCryptoLibs('x86_64')
        ? 'libmbedtls-dev and libbearssl-dev'
        : null;
if (missing) console.warn(`SKIPPED: mbedtls bindings test needs ${missing}`);

describe.skipIf(missing !== null)('runtime mbedtls bindings under QuickJS (hosted image)', () => {
  it('pass the provider vectors through lib/tls image provider', async () => {
    const work = join(ROOT, 'build', 'tls-native');
    const rsa = makeRsaVectors();
    const bytecode = await entryBytecode(join(__dirname, 'native-vectors-entry.ts'), work, 'vectors', { RSA_VECTORS: rsa });
    linkHostedImage(bytecode, join(work, 'vectors'), true);
    const out = execFileSync(join(work, 'vectors'), ['--mem=64'], { encoding: 'utf8', timeout: 120_000 });
    expect(out.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(out.match(/^PASS /gm)).toHaveLength(VECTOR_CHECKS.length + crossChecks(nobleCryptoProvider).length + rsaChecks(rsa).length);
    expect(out).toContain('provider @noble + mbedtls');
    // The image's RSA-PSS signature verifies under OpenSSL.
    const signature = Buffer.from(/^RSA-SIGNATURE ([0-9a-f]+)$/m.exec(out)![1]!, 'hex');
    const b64u = (h: string) => Buffer.from(h, 'hex').toString('base64url');
    const key = createPublicKey({ key: { kty: 'RSA', n: b64u(rsa.key.n), e: b64u(rsa.key.e) }, format: 'jwk' });
    expect(verify('sha256', Buffer.from(rsa.data, 'hex'), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature)).toBe(true);
  }, 300_000);
});
