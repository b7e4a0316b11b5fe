/**
 * Test certificates made with the openssl command at test time: a root CA,
 * an intermediate, leaves of each key type, and a self-signed one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type KeyKind = 'ec' | 'rsa' | 'ed25519';

export interface Issued {
  certPath: string;
  keyPath: string;
  /** Leaf then intermediate, PEM. */
  chainPath: string;
  certPem: string;
  keyPem: string;
  chainPem: string;
}

export interface Pki {
  dir: string;
  rootPem: string;
  rootPath: string;
  /** A leaf under the intermediate, valid from now for `days` (default 30); expiry is tested by moving the verifier's clock. */
  issue(name: string, options?: { kind?: KeyKind; names?: string[]; days?: number }): Issued;
  /** A self-signed certificate no one trusts. */
  selfSigned(name: string): Issued;
}

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function keyArgs(kind: KeyKind): string[] {
  if (kind === 'ec') return ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  if (kind === 'rsa') return ['-newkey', 'rsa:2048'];
  return ['-newkey', 'ed25519'];
}

/** A root and an intermediate whose keys are of `caKind` (RSA ones sign certificates with PKCS#1 v1.5), in a new folder. */
export function makePki(caKind: KeyKind = 'ec'): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-tls-pki-'));
  const ext = (name: string, body: string) => {
    writeFileSync(join(dir, name), body);
    return name;
  };
  ext('ca.ext', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n');
  ext('int.ext', 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n');
  openssl(dir, ['req', '-x509', ...keyArgs(caKind), '-nodes', '-keyout', 'root.key', '-out', 'root.pem', '-subj', '/CN=Kiln Test Root', '-days', '3650', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  openssl(dir, ['req', ...keyArgs(caKind), '-nodes', '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/CN=Kiln Test Intermediate']);
  openssl(dir, ['x509', '-req', '-in', 'int.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'int.pem', '-days', '3650', '-extfile', 'int.ext']);
  const rootPath = join(dir, 'root.pem');
  const read = (p: string) => readFileSync(join(dir, p), 'utf8');
  return {
    dir,
    rootPath,
    rootPem: read('root.pem'),
    issue(name, options = {}) {
      const kind = options.kind ?? 'ec';
      const names = options.names ?? ['localhost', '127.0.0.1'];
      const san = names.map((n) => (/^\d+\.\d+\.\d+\.\d+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
      ext(`${name}.ext`, `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${san}\n`);
      openssl(dir, ['req', ...keyArgs(kind), '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${names[0]}`]);
      openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'int.pem', '-CAkey', 'int.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', String(options.days ?? 30), '-extfile', `${name}.ext`]);
      writeFileSync(join(dir, `${name}-chain.pem`), read(`${name}.pem`) + read('int.pem'));
      return {
        certPath: join(dir, `${name}.pem`),
        keyPath: join(dir, `${name}.key`),
        chainPath: join(dir, `${name}-chain.pem`),
        certPem: read(`${name}.pem`),
        keyPem: read(`${name}.key`),
        chainPem: read(`${name}-chain.pem`),
      };
    },
    selfSigned(name) {
      openssl(dir, ['req', '-x509', ...keyArgs('ec'), '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-subj', '/CN=localhost', '-days', '30', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1']);
      return {
        certPath: join(dir, `${name}.pem`),
        keyPath: join(dir, `${name}.key`),
        chainPath: join(dir, `${name}.pem`),
        certPem: read(`${name}.pem`),
        keyPem: read(`${name}.key`),
        chainPem: read(`${name}.pem`),
      };
    },
  };
}
