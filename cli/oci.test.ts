import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { MEDIA_TYPES, ociArchive, ociLayout, sha256Digest, writeOciDir, type Descriptor, type UnikernelPackage } from './oci.ts';

const hasTar = spawnSync('tar', ['--version']).status === 0;
if (!hasTar) console.warn('SKIPPED: unpacking OCI layers and archives with GNU tar: needs tar');

const work = mkdtempSync(join(tmpdir(), 'kiln-oci-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const IMAGE = Buffer.from('\u007fELF pretend image bytes'.repeat(100));
const base: UnikernelPackage = { appName: 'web', arch: 'x86_64', image: IMAGE, args: ['--port=80', '--verbose'], tag: 'v1' };

function blob(files: Map<string, Buffer>, d: Descriptor): Buffer {
  const bytes = files.get(`blobs/sha256/${d.digest.slice(7)}`);
  if (!bytes) throw new Error(`no blob ${d.digest}`);
  expect(bytes.length).toBe(d.size);
  return bytes;
}

function parsed(p: UnikernelPackage) {
  const layout = ociLayout(p);
  const index = JSON.parse(layout.files.get('index.json')!.toString());
  const manifest = JSON.parse(blob(layout.files, index.manifests[0]).toString());
  const config = JSON.parse(blob(layout.files, manifest.config).toString());
  const layer = blob(layout.files, manifest.layers[0]);
  return { layout, index, manifest, config, layer };
}

/** Unpacks a tar with GNU tar into a fresh directory. */
function untar(bytes: Buffer, name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  const r = spawnSync('tar', ['-xf', '-', '-C', dir], { input: bytes, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return dir;
}

describe('ociLayout', () => {
  it('names every blob by the sha256 of its bytes', () => {
    const { layout } = parsed(base);
    const blobs = [...layout.files.keys()].filter((p) => p.startsWith('blobs/'));
    expect(blobs).toHaveLength(3);
    for (const path of blobs) expect(`sha256:${path.slice('blobs/sha256/'.length)}`).toBe(sha256Digest(layout.files.get(path)!));
    expect(JSON.parse(layout.files.get('oci-layout')!.toString())).toEqual({ imageLayoutVersion: '1.0.0' });
  });

  it('links index, manifest, config and layer with the right media types, sizes and platform', () => {
    const { index, manifest, config } = parsed(base);
    expect(index).toMatchObject({ schemaVersion: 2, mediaType: MEDIA_TYPES.index });
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0]).toMatchObject({
      mediaType: MEDIA_TYPES.manifest,
      annotations: { 'org.opencontainers.image.ref.name': 'v1' },
      platform: { architecture: 'amd64', os: 'linux' },
    });
    expect(manifest).toMatchObject({ schemaVersion: 2, mediaType: MEDIA_TYPES.manifest });
    expect(manifest.config.mediaType).toBe(MEDIA_TYPES.config);
    expect(manifest.layers.map((l: Descriptor) => l.mediaType)).toEqual([MEDIA_TYPES.layer]);
    expect(config).toMatchObject({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers' } });
    expect(parsed({ ...base, arch: 'aarch64' }).config.architecture).toBe('arm64');
  });

  it("records the uncompressed layer's digest as its diff_id", () => {
    const { config, layer } = parsed(base);
    expect(config.rootfs.diff_ids).toEqual([sha256Digest(gunzipSync(layer))]);
  });

  it("puts urunc's keys on the manifest in plain text, the app's arguments in Cmd, and no Labels", () => {
    const { manifest, config } = parsed(base);
    expect(manifest.annotations).toEqual({
      'com.urunc.unikernel.binary': '/unikernel/web.hvt',
      'com.urunc.unikernel.cmdline': '--port=80 --verbose',
      'com.urunc.unikernel.hypervisor': 'hvt',
      'com.urunc.unikernel.unikernelType': 'mirage',
      'com.urunc.unikernel.useDMBlock': 'false',
    });
    expect(config.config).toEqual({ Cmd: ['--port=80', '--verbose'] });
    expect(parsed({ ...base, args: [] }).config.config).toEqual({});
  });

  it.skipIf(!hasTar)('layer: the image under /unikernel and /urunc.json with base64 values', () => {
    const { layer, manifest } = parsed(base);
    const root = untar(gunzipSync(layer), 'layer');
    expect(readdirSync(root).sort()).toEqual(['unikernel', 'urunc.json']);
    expect(readFileSync(join(root, 'unikernel/web.hvt')).equals(IMAGE)).toBe(true);
    const json = JSON.parse(readFileSync(join(root, 'urunc.json'), 'utf8')) as Record<string, string>;
    const decoded = Object.fromEntries(Object.entries(json).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    expect(decoded).toEqual(manifest.annotations);
    for (const v of Object.values(json)) expect(v).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
  });

  it.skipIf(!hasTar)('layer with a disk: /unikernel/storage.img, writable by any user, and the block key', () => {
    const disk = Buffer.alloc(4096, 0xab);
    const { layer, manifest } = parsed({ ...base, disk });
    const root = untar(gunzipSync(layer), 'disk');
    expect(readFileSync(join(root, 'unikernel/storage.img')).equals(disk)).toBe(true);
    expect(statSync(join(root, 'unikernel/storage.img')).mode & 0o777).toBe(0o666);
    expect(manifest.annotations['com.urunc.unikernel.block']).toBe('/unikernel/storage.img');
    expect(parsed(base).manifest.annotations['com.urunc.unikernel.block']).toBeUndefined();
  });

  it('gives the same bytes for the same input, and other digests for another image', () => {
    expect(ociArchive(ociLayout(base)).equals(ociArchive(ociLayout(base)))).toBe(true);
    const other = ociLayout({ ...base, image: Buffer.concat([IMAGE, Buffer.from('x')]) });
    expect(other.manifest.digest).not.toBe(ociLayout(base).manifest.digest);
  });

  it.skipIf(!hasTar)('archive and directory hold the same files', () => {
    const layout = ociLayout(base);
    const fromArchive = untar(ociArchive(layout), 'archive');
    const dir = join(work, 'dir');
    writeOciDir(layout, dir);
    for (const [path, bytes] of layout.files) {
      expect(readFileSync(join(fromArchive, path)).equals(bytes)).toBe(true);
      expect(readFileSync(join(dir, path)).equals(bytes)).toBe(true);
    }
  });

  it('refuses to write into a directory that is not empty', () => {
    const dir = join(work, 'busy');
    mkdirSync(dir);
    writeFileSync(join(dir, 'something'), '');
    expect(() => writeOciDir(ociLayout(base), dir)).toThrow(/not empty/);
  });
});
