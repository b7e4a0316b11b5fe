/**
 * `kiln package examples/http --oci` read by real tools from Debian: skopeo
 * (inspect and copy, oci-archive: and oci: transports), umoci (unpack into a
 * runtime bundle, as a runtime would see it) and containerd (its daemon
 * started here on private paths, `ctr images import`, unpack into the native
 * snapshotter, mount). urunc's keys read back from each; the image bytes
 * come out unchanged.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageToolsMissing } from '../harness/compiler.ts';
import { ROOT } from '../platform/build.ts';
import { decodeUruncJson } from './urunc-launch.ts';

const missing = (program: string, pkg: string): string | null =>
  spawnSync(program, ['--version']).status === 0 ? null : `${program} (apt-get install ${pkg})`;
const buildSkip = await imageToolsMissing('x86_64');
const skopeo = missing('skopeo', 'skopeo');
const umoci = missing('umoci', 'umoci');
const containerd = missing('containerd', 'containerd') ?? missing('ctr', 'containerd') ?? (process.getuid?.() === 0 ? null : 'root (containerd and mounts)');
for (const [what, why] of [['building the image', buildSkip], ['skopeo checks', skopeo], ['umoci checks', umoci], ['containerd checks', containerd]] as const) {
  if (why) console.warn(`SKIPPED: kiln package --oci: ${what}: needs ${why}`);
}

const work = mkdtempSync(join(tmpdir(), 'kiln-oci-tools-'));
const ARCHIVE = join(work, 'http.tar');
const DIR = join(work, 'http-layout');
const IMAGE = join(ROOT, 'build/x86_64/apps/http.hvt');
const ANNOTATIONS = {
  'com.urunc.unikernel.binary': '/unikernel/http.hvt',
  'com.urunc.unikernel.cmdline': '--port=80',
  'com.urunc.unikernel.hypervisor': 'hvt',
  'com.urunc.unikernel.unikernelType': 'mirage',
  'com.urunc.unikernel.useDMBlock': 'false',
};
let manifestDigest = '';

function run(program: string, args: string[]): string {
  const r = spawnSync(program, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${program} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function decodedUruncJson(file: string): Record<string, string> {
  return decodeUruncJson(readFileSync(file, 'utf8'));
}

beforeAll(() => {
  if (buildSkip) return;
  const out = run(process.execPath, [join(ROOT, 'cli/kiln.js'), 'package', join(ROOT, 'examples/http'), '--oci', '-o', ARCHIVE, '--oci-dir', DIR, '--tag', 'v1', '--', '--port=80']);
  manifestDigest = /manifest (sha256:[0-9a-f]{64})/.exec(out)![1]!;
}, 600_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(buildSkip !== null)('kiln package --oci', () => {
  it('writes the same bytes twice', () => {
    const again = join(work, 'again.tar');
    run(process.execPath, [join(ROOT, 'cli/kiln.js'), 'package', join(ROOT, 'examples/http'), '--oci', '-o', again, '--tag', 'v1', '--', '--port=80']);
    expect(readFileSync(again).equals(readFileSync(ARCHIVE))).toBe(true);
  });

  describe.skipIf(skopeo !== null)('skopeo', () => {
    it('inspects the archive and the directory: digest, platform, annotations', () => {
      for (const ref of [`oci-archive:${ARCHIVE}:v1`, `oci:${DIR}:v1`]) {
        const info = JSON.parse(run('skopeo', ['inspect', ref]));
        expect(info).toMatchObject({ Digest: manifestDigest, Architecture: 'amd64', Os: 'linux' });
        const raw = JSON.parse(run('skopeo', ['inspect', '--raw', ref]));
        expect(raw.annotations).toEqual(ANNOTATIONS);
        const config = JSON.parse(run('skopeo', ['inspect', '--config', ref]));
        expect(config.config.Cmd).toEqual(['--port=80']);
      }
    });

    it('copies archive -> directory -> archive without changing the manifest', () => {
      const copied = join(work, 'copied');
      const back = join(work, 'back.tar');
      run('skopeo', ['copy', '-q', `oci-archive:${ARCHIVE}:v1`, `oci:${copied}:again`]);
      run('skopeo', ['copy', '-q', `oci:${copied}:again`, `oci-archive:${back}:v2`]);
      expect(JSON.parse(run('skopeo', ['inspect', `oci-archive:${back}:v2`])).Digest).toBe(manifestDigest);
    });
  });

  describe.skipIf(umoci !== null)('umoci', () => {
    it("unpacks a runtime bundle urunc can use: the image, /urunc.json, the app's args, no plain urunc annotations", () => {
      const bundle = join(work, 'bundle');
      run('umoci', ['unpack', '--image', `${DIR}:v1`, bundle]);
      expect(readFileSync(join(bundle, 'rootfs/unikernel/http.hvt')).equals(readFileSync(IMAGE))).toBe(true);
      expect(decodedUruncJson(join(bundle, 'rootfs/urunc.json'))).toEqual(ANNOTATIONS);
      const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
      expect(spec.process.args).toEqual(['--port=80']);
      // urunc base64-decodes spec annotations: plain ones would send the container to runc.
      expect(Object.keys(spec.annotations ?? {}).filter((k) => k.startsWith('com.urunc.'))).toEqual([]);
    });
  });

  describe.skipIf(containerd !== null)('containerd', () => {
    const root = join(work, 'containerd');
    const socket = join(root, 'containerd.sock');
    const ctr = (...args: string[]): string => run('ctr', ['--address', socket, '--namespace', 'kiln-test', ...args]);
    let daemon: ChildProcess | undefined;

    beforeAll(async () => {
      mkdirSync(root, { recursive: true });
      const config = join(root, 'config.toml');
      writeFileSync(
        config,
        [
          'version = 2',
          `root = "${root}/root"`,
          `state = "${root}/state"`,
          // Only the image store and snapshotters are needed; CRI would look for CNI and more.
          'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
          '[grpc]',
          `  address = "${socket}"`,
          '',
        ].join('\n'),
      );
      daemon = spawn('containerd', ['--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      daemon.stderr!.on('data', (d: Buffer) => (log += d.toString()));
      // Up once the socket answers (bounded: 100 tries, 100 ms apart).
      for (let i = 0; i < 100 && !(existsSync(socket) && spawnSync('ctr', ['--address', socket, 'version']).status === 0); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      if (spawnSync('ctr', ['--address', socket, 'version']).status !== 0) throw new Error(`containerd did not start: ${log.slice(-2000)}`);
    }, 60_000);

    afterAll(async () => {
      spawnSync('umount', [join(root, 'mnt')]);
      if (daemon && daemon.exitCode === null) {
        const exited = new Promise((r) => daemon!.once('exit', r));
        daemon.kill('SIGTERM');
        await exited;
      }
    });

    it('imports the archive, unpacks it, and shows the files and annotations', () => {
      ctr('images', 'import', '--base-name', 'docker.io/kiln/http', '--snapshotter', 'native', ARCHIVE);
      const list = ctr('images', 'ls');
      expect(list).toContain('docker.io/kiln/http:v1');
      expect(list).toContain(manifestDigest);
      expect(list).toContain('linux/amd64');
      const manifest = JSON.parse(ctr('content', 'get', manifestDigest));
      expect(manifest.annotations).toEqual(ANNOTATIONS);
      const mnt = join(root, 'mnt');
      mkdirSync(mnt);
      ctr('images', 'mount', '--snapshotter', 'native', 'docker.io/kiln/http:v1', mnt);
      expect(readFileSync(join(mnt, 'unikernel/http.hvt')).equals(readFileSync(IMAGE))).toBe(true);
      expect(decodedUruncJson(join(mnt, 'urunc.json'))).toEqual(ANNOTATIONS);
    });
  });
});
