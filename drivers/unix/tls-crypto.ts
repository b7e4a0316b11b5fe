/**
 * The TLS crypto provider on Node: every primitive from `node:crypto`
 * (OpenSSL). HKDF is composed from HMAC (lib/tls/hkdf.ts) because
 * node:crypto offers no separate Expand step.
 */
import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  sign as nodeSign,
  verify as nodeVerify,
  constants,
  type KeyObject,
} from 'node:crypto';
import type {
  AeadAlgorithm,
  AeadKey,
  CryptoProvider,
  HashAlgorithm,
  KeyExchangeGroup,
  PrivateKey,
  PublicKey,
  SignatureAlgorithm,
} from '../../lib/tls/crypto-provider.ts';
import { hkdfExpandWith, hkdfExtractWith } from '../../lib/tls/hkdf.ts';

const TAG = 16;

// DER prefixes of PKCS#8 and SPKI for Ed25519 keys (RFC 8410).
const ED25519_PKCS8 = hex('302e020100300506032b657004220420');
const ED25519_SPKI = hex('302a300506032b6570032100');

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

/**
 * An X25519 private key object. Imported as JWK: OpenSSL 3 decodes PKCS#8 about
 * 15 times slower. Node builds the key from `d` alone; `x` is required by
 * the JWK form but not used, so a placeholder stands in for it.
 */
function x25519PrivateKey(privateKey: Uint8Array): KeyObject {
  // The engine passes the same array to keyShare and then sharedSecret: import it once.
  let key = x25519Keys.get(privateKey);
  if (!key) {
    key = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64u(privateKey), x: X25519_PLACEHOLDER }, format: 'jwk' });
    x25519Keys.set(privateKey, key);
  }
  return key;
}
const x25519Keys = new WeakMap<Uint8Array, KeyObject>();
const X25519_PLACEHOLDER = 'A'.repeat(43);

function b64u(b: Uint8Array): string {
  return Buffer.from(b).toString('base64url');
}

function bytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const NODE_CIPHER: Record<AeadAlgorithm, { name: string; keyLength: number }> = {
  'aes-128-gcm': { name: 'aes-128-gcm', keyLength: 16 },
  'aes-256-gcm': { name: 'aes-256-gcm', keyLength: 32 },
  'chacha20-poly1305': { name: 'chacha20-poly1305', keyLength: 32 },
};

/** The options of every AEAD context: 16-byte tags (RFC 8446 section 5.2). */
const AEAD_OPTIONS = { authTagLength: TAG };

/**
 * One traffic key. node:crypto cannot give an AEAD context a new nonce, so
 * every record gets a new Cipheriv/Decipheriv; the key is held as one
 * KeyObject, which such a context takes without copying or checking raw
 * bytes again (it makes the per-record context smaller: measured 129
 * against 233 bytes of young heap).
 */
class NodeAead implements AeadKey {
  private readonly key: KeyObject;
  /** The received tag, copied here: cheaper for the collector than a view per record (setAuthTag copies it anyway). */
  private readonly tag = new Uint8Array(TAG);

  constructor(
    /** GCM or ChaCha20-Poly1305: the same calls; typed as GCM for node:crypto's overloads. */
    private readonly cipher: 'aes-128-gcm',
    key: Uint8Array,
  ) {
    this.key = createSecretKey(key);
  }

  sealInPlace(nonce: Uint8Array, aad: Uint8Array, buffer: Uint8Array, length: number): void {
    const c = createCipheriv(this.cipher, this.key, nonce, AEAD_OPTIONS);
    c.setAAD(aad);
    // GCM and ChaCha20-Poly1305 are stream modes: update() returns every byte, final() none.
    buffer.set(c.update(buffer.subarray(0, length)));
    c.final();
    buffer.set(c.getAuthTag(), length);
  }

  /** node:crypto decrypts into new memory (a Buffer the record layer takes as it is): no copy back. */
  openInPlace(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
    return this.open(nonce, aad, sealed);
  }

  open(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | null {
    if (sealed.length < TAG) return null;
    const end = sealed.length - TAG;
    const d = createDecipheriv(this.cipher, this.key, nonce, AEAD_OPTIONS);
    d.setAAD(aad);
    for (let i = 0; i < TAG; i++) this.tag[i] = sealed[end + i]!;
    d.setAuthTag(this.tag);
    const head = d.update(sealed.subarray(0, end));
    try {
      const tail = d.final();
      // The record layer takes its content as a plain Uint8Array view of this Buffer.
      return tail.length === 0 ? head : concat(head, tail);
    } catch {
      return null;
    }
  }
}

/** KeyObjects are costly to build; keep one per parsed key. */
const privateKeyObjects = new WeakMap<PrivateKey, KeyObject>();
const publicKeyObjects = new WeakMap<PublicKey, KeyObject>();

function cachedKeyObject<K extends object>(cache: WeakMap<K, KeyObject>, key: K, build: (key: K) => KeyObject): KeyObject {
  let obj = cache.get(key);
  if (!obj) {
    obj = build(key);
    cache.set(key, obj);
  }
  return obj;
}

function curveName(curve: 'p256' | 'p384'): string {
  return curve === 'p256' ? 'P-256' : 'P-384';
}

/** A JWK's public part of an EC key, from its uncompressed point (0x04, x, y). */
function ecPublicJwk(curve: 'p256' | 'p384', point: Uint8Array): { kty: 'EC'; crv: string; x: string; y: string } {
  const half = (point.length - 1) / 2;
  return { kty: 'EC', crv: curveName(curve), x: b64u(point.subarray(1, 1 + half)), y: b64u(point.subarray(1 + half)) };
}

function privateKeyObject(key: PrivateKey): KeyObject {
  return cachedKeyObject(privateKeyObjects, key, (key) => {
    if (key.type === 'ed25519') return createPrivateKey({ key: Buffer.from(concat(ED25519_PKCS8, key.seed)), format: 'der', type: 'pkcs8' });
    if (key.type === 'ec') return createPrivateKey({ key: { ...ecPublicJwk(key.curve, key.point), d: b64u(key.d) }, format: 'jwk' });
    return createPrivateKey({
      key: {
        kty: 'RSA',
        n: b64u(key.n),
        e: b64u(key.e),
        d: b64u(key.d),
        p: b64u(key.p),
        q: b64u(key.q),
        dp: b64u(key.dp),
        dq: b64u(key.dq),
        qi: b64u(key.qi),
      },
      format: 'jwk',
    });
  });
}

function publicKeyObject(key: PublicKey): KeyObject {
  return cachedKeyObject(publicKeyObjects, key, (key) => {
    if (key.type === 'ed25519') return createPublicKey({ key: Buffer.from(concat(ED25519_SPKI, key.key)), format: 'der', type: 'spki' });
    if (key.type === 'ec') return createPublicKey({ key: ecPublicJwk(key.curve, key.point), format: 'jwk' });
    return createPublicKey({ key: { kty: 'RSA', n: b64u(key.n), e: b64u(key.e) }, format: 'jwk' });
  });
}

interface SignatureParameters {
  digest: string | null;
  keyType: PublicKey['type'];
  curve?: 'p256' | 'p384';
  pss?: number;
}

const SIGNATURES: Record<SignatureAlgorithm, SignatureParameters> = {
  'ecdsa-p256-sha256': { digest: 'sha256', keyType: 'ec', curve: 'p256' },
  'ecdsa-p384-sha384': { digest: 'sha384', keyType: 'ec', curve: 'p384' },
  'rsa-pss-sha256': { digest: 'sha256', keyType: 'rsa', pss: 32 },
  'rsa-pss-sha384': { digest: 'sha384', keyType: 'rsa', pss: 48 },
  'rsa-pss-sha512': { digest: 'sha512', keyType: 'rsa', pss: 64 },
  'rsa-pkcs1-sha256': { digest: 'sha256', keyType: 'rsa' },
  'rsa-pkcs1-sha384': { digest: 'sha384', keyType: 'rsa' },
  'rsa-pkcs1-sha512': { digest: 'sha512', keyType: 'rsa' },
  ed25519: { digest: null, keyType: 'ed25519' },
};

function fits(p: SignatureParameters, key: PublicKey | PrivateKey): boolean {
  if (p.keyType !== key.type) return false;
  return key.type !== 'ec' || key.curve === p.curve;
}

function options(p: SignatureParameters, key: KeyObject): Parameters<typeof nodeSign>[2] {
  if (p.pss !== undefined) return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: p.pss };
  if (p.keyType === 'ec') return { key, dsaEncoding: 'der' };
  return key;
}

function nodeHmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
  return bytes(createHmac(algorithm, key).update(data).digest());
}

export const nodeCryptoProvider: CryptoProvider = {
  name: 'node:crypto',

  hash(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array {
    return bytes(createHash(algorithm).update(data).digest());
  },

  hmac: nodeHmac,

  hkdfExtract: (algorithm: HashAlgorithm, salt: Uint8Array, ikm: Uint8Array) => hkdfExtractWith(nodeHmac, algorithm, salt, ikm),

  hkdfExpand: (algorithm: HashAlgorithm, prk: Uint8Array, info: Uint8Array, length: number) => hkdfExpandWith(nodeHmac, algorithm, prk, info, length),

  aead(algorithm: AeadAlgorithm, key: Uint8Array): AeadKey {
    const c = NODE_CIPHER[algorithm];
    if (key.length !== c.keyLength) throw new RangeError(`${algorithm} needs a ${c.keyLength}-byte key`);
    return new NodeAead(c.name as 'aes-128-gcm', key);
  },

  keyShare(group: KeyExchangeGroup, privateKey: Uint8Array): Uint8Array | null {
    try {
      if (group === 'x25519') {
        if (privateKey.length !== 32) return null;
        const jwk = createPublicKey(x25519PrivateKey(privateKey)).export({ format: 'jwk' });
        return Uint8Array.from(Buffer.from(jwk.x!, 'base64url'));
      }
      const ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(privateKey);
      return bytes(ecdh.getPublicKey());
    } catch {
      return null;
    }
  },

  sharedSecret(group: KeyExchangeGroup, privateKey: Uint8Array, peerShare: Uint8Array): Uint8Array | null {
    try {
      if (group === 'x25519') {
        if (peerShare.length !== 32 || privateKey.length !== 32) return null;
        const secret = diffieHellman({
          privateKey: x25519PrivateKey(privateKey),
          publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(peerShare) }, format: 'jwk' }),
        });
        // RFC 7748 section 6.1 / RFC 8446 section 7.4.2: an all-zero result is refused.
        return secret.every((b) => b === 0) ? null : bytes(secret);
      }
      // RFC 8446 section 4.2.8.2: only the uncompressed form.
      if (peerShare.length !== 65 || peerShare[0] !== 4) return null;
      const ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(privateKey);
      return bytes(ecdh.computeSecret(peerShare));
    } catch {
      return null;
    }
  },

  sign(algorithm: SignatureAlgorithm, key: PrivateKey, data: Uint8Array): Uint8Array {
    const p = SIGNATURES[algorithm];
    if (!fits(p, key)) throw new RangeError(`a ${key.type} key cannot make ${algorithm} signatures`);
    return bytes(nodeSign(p.digest, data, options(p, privateKeyObject(key))));
  },

  verify(algorithm: SignatureAlgorithm, key: PublicKey, data: Uint8Array, signature: Uint8Array): boolean {
    const p = SIGNATURES[algorithm];
    if (!fits(p, key)) return false;
    try {
      return nodeVerify(p.digest, data, options(p, publicKeyObject(key)) as Parameters<typeof nodeVerify>[2], signature);
    } catch {
      return false;
    }
  },
};
