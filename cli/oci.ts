/**
 * An hvt image as an OCI image for urunc (deploy/URUNC.md has the facts this
 * follows): one gzip layer holding the image under /unikernel/ (and a disk
 * file when the app declares a block device) plus /urunc.json. urunc's keys
 * go in /urunc.json with base64 values (the copy urunc reads: image
 * annotations never reach it) and, plain text for people and tools, in the
 * manifest's annotations. Not in the config's Labels: converters copy labels
 * into the runtime spec's annotations (umoci does, per image-spec
 * conversion.md), where urunc would base64-decode the plain text, fail, and
 * hand the container to runc. The result is an
 * OCI image layout (image-spec v1.1 `image-layout.md`), written as a
 * directory or as one tar file (skopeo's `oci-archive:`). Same input, same
 * bytes: fixed key order, tar entries with mtime 0, Node's bundled zlib.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Arch } from './image.ts';
import { tarArchive, type TarEntry } from './tar.ts';

export const MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

/** OCI platform architecture (Go's GOARCH names) for each image architecture. */
export const OCI_ARCH: Record<Arch, string> = { x86_64: 'amd64', aarch64: 'arm64' };

/** Where the image and its disk go in the container's root file system. */
export const UNIKERNEL_DIR = 'unikernel';
export const DISK_FILE = 'storage.img';
export const URUNC_JSON = 'urunc.json';

export interface UnikernelPackage {
  appName: string;
  arch: Arch;
  /** The hvt image's bytes. */
  image: Uint8Array;
  /** The app's command line (urunc splits it at spaces, so no argument holds one). */
  args: readonly string[];
  /** A disk file for the app's block device `storage`. */
  disk?: Uint8Array;
  /** The tag recorded as org.opencontainers.image.ref.name. */
  tag: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { architecture: string; os: string };
}

export interface OciLayout {
  /** Path inside the layout (`oci-layout`, `index.json`, `blobs/sha256/HEX`) to bytes. */
  files: Map<string, Buffer>;
  manifest: Descriptor;
  annotations: Record<string, string>;
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** urunc's keys, plain text, sorted (deploy/URUNC.md, section 1). */
export function uruncAnnotations(p: UnikernelPackage): Record<string, string> {
  const values: Record<string, string> = {
    'com.urunc.unikernel.binary': `/${UNIKERNEL_DIR}/${p.appName}.hvt`,
    'com.urunc.unikernel.cmdline': p.args.join(' '),
    'com.urunc.unikernel.hypervisor': 'hvt',
    'com.urunc.unikernel.unikernelType': 'mirage',
    // Said explicitly: an empty value makes urunc try the devmapper snapshot as the disk.
    'com.urunc.unikernel.useDMBlock': 'false',
  };
  if (p.disk) values['com.urunc.unikernel.block'] = `/${UNIKERNEL_DIR}/${DISK_FILE}`;
  return Object.fromEntries(Object.entries(values).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** /urunc.json: the same keys with base64 values, as urunc decodes them. */
export function uruncJson(annotations: Record<string, string>): Buffer {
  const encoded = Object.fromEntries(Object.entries(annotations).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
  return Buffer.from(`${JSON.stringify(encoded, null, 2)}\n`);
}

function layerTar(p: UnikernelPackage, annotations: Record<string, string>): Buffer {
  const entries: TarEntry[] = [
    { kind: 'dir', path: UNIKERNEL_DIR },
    { kind: 'file', path: `${UNIKERNEL_DIR}/${p.appName}.hvt`, data: p.image },
  ];
  // The disk is written by the guest, so it is writable by the container's user.
  if (p.disk) entries.push({ kind: 'file', path: `${UNIKERNEL_DIR}/${DISK_FILE}`, data: p.disk, mode: 0o666 });
  entries.push({ kind: 'file', path: URUNC_JSON, data: uruncJson(annotations) });
  return tarArchive(entries);
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

export function ociLayout(p: UnikernelPackage): OciLayout {
  const files = new Map<string, Buffer>();
  const blob = (mediaType: string, bytes: Buffer): Descriptor => {
    const digest = sha256Digest(bytes);
    files.set(`blobs/sha256/${digest.slice('sha256:'.length)}`, bytes);
    return { mediaType, digest, size: bytes.length };
  };

  const annotations = uruncAnnotations(p);
  const tar = layerTar(p, annotations);
  const layer = blob(MEDIA_TYPES.layer, gzipSync(tar, { level: 9 }));
  const platform = { architecture: OCI_ARCH[p.arch], os: 'linux' };
  // urunc takes the container's arguments (image Cmd or the pod's args) before the cmdline key;
  // Kubernetes refuses a container that has none.
  const imageConfig = p.args.length > 0 ? { Cmd: [...p.args] } : {};
  const config = blob(
    MEDIA_TYPES.config,
    json({ ...platform, config: imageConfig, rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] } }),
  );
  const manifest = blob(MEDIA_TYPES.manifest, json({ schemaVersion: 2, mediaType: MEDIA_TYPES.manifest, config, layers: [layer], annotations }));
  const described: Descriptor = { ...manifest, annotations: { 'org.opencontainers.image.ref.name': p.tag }, platform };
  files.set('oci-layout', json({ imageLayoutVersion: '1.0.0' }));
  files.set('index.json', json({ schemaVersion: 2, mediaType: MEDIA_TYPES.index, manifests: [described] }));
  return { files, manifest: described, annotations };
}

/** Paths in a fixed order: layout marker, index, then blobs by digest. */
function orderedPaths(layout: OciLayout): string[] {
  const rank = (path: string): number => (path === 'oci-layout' ? 0 : path === 'index.json' ? 1 : 2);
  return [...layout.files.keys()].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** The layout as one tar file (what `skopeo copy oci-archive:FILE ...` and `ctr images import` read). */
export function ociArchive(layout: OciLayout): Buffer {
  const entries: TarEntry[] = [
    { kind: 'dir', path: 'blobs' },
    { kind: 'dir', path: 'blobs/sha256' },
  ];
  for (const path of orderedPaths(layout)) entries.push({ kind: 'file', path, data: layout.files.get(path)! });
  return tarArchive(entries);
}

/** The layout as a directory (skopeo's `oci:DIR`); the directory must be absent or empty. */
export function writeOciDir(layout: OciLayout, dir: string): void {
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length > 0) throw new Error(`${dir} is not empty`);
  for (const path of orderedPaths(layout)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), layout.files.get(path)!);
  }
}
