/**
 * Linking an app into a Solo5-hvt image, or into a process (the same image
 * contents over runtime/hosted, a static Linux executable that sandboxes
 * itself):
 *   1. bundle the app with the hvt drivers (esbuild, ES module), and put the
 *      stack-trace prelude with the bundle's line table in front of it;
 *   2. compile the bundle to QuickJS bytecode (build/host/kiln-qjsc), so the
 *      image never parses JavaScript at boot;
 *   3. turn the app's device declaration into the MFT1 manifest note
 *      (build/ARCH/kiln-mft);
 *   4. link runtime, QuickJS, musl, guest bindings, manifest and bytecode
 *      (runtime/link-image.sh).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { manifestOf, type App, type ManifestEntry } from '../lib/app.ts';
import { fetchApp, isFetchModule, type FetchModule } from '../lib/fetch-app.ts';
import { buildFailure, bundleApp } from './bundle.ts';
import { buildRoot, repoRoot } from './paths.ts';
import { prependStackPrelude } from './stack-prelude.ts';
import { UsageError } from './usage-error.ts';

export type Arch = 'x86_64' | 'aarch64';
/** What an image is linked for: kiln-hvt (or solo5-hvt), or a Linux process. */
export type ImagePlatform = 'hvt' | 'process';

export function tenderPath(arch: Arch): string {
  return join(buildRoot, arch, 'kiln-hvt');
}

export interface ImageResult {
  path: string;
  size: number;
  /** The bundle's source map, for mapping stack traces back to TypeScript. */
  sourceMap: string;
  /** The app's name and the devices its manifest declares. */
  appName: string;
  devices: ManifestEntry[];
}

const run = promisify(execFile);

async function step(what: string, program: string, args: string[]): Promise<void> {
  try {
    await run(program, args, { cwd: repoRoot, maxBuffer: 16 << 20 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const detail = (e.stderr ?? '').trim().split('\n').filter(Boolean).pop() ?? e.message;
    throw new UsageError(`kiln build: ${what} failed: ${detail}`);
  }
}

/** Loads the app module on Node to read its device declaration (a `{ fetch }` module's is fetchApp's). */
async function loadApp(appFile: string, workDir: string): Promise<{ app: App; fetchModule: boolean }> {
  const outfile = join(workDir, 'declaration.mjs');
  await build({ entryPoints: [appFile], outfile, bundle: true, platform: 'node', format: 'esm', logLevel: 'silent' }).catch((err: unknown) => {
    throw buildFailure(err);
  });
  const module = (await import(`${pathToFileURL(outfile).href}?t=${Date.now()}`)) as { default?: App | FetchModule };
  if (isFetchModule(module.default)) return { app: fetchApp(module.default) as unknown as App, fetchModule: true };
  if (!module.default || typeof module.default.start !== 'function') {
    throw new UsageError(`kiln build: ${appFile} must export default defineApp({ name, devices, start }), or { fetch(request, env) }`);
  }
  return { app: module.default, fetchModule: false };
}

/**
 * Whether Debian's libmbedcrypto and libbearssl (AES-GCM) are installed for
 * the architecture: images that use lib/tls then get the runtime's crypto
 * bindings (runtime/crypto, record protection in C), and do with @noble
 * alone elsewhere.
 */
export function hasCryptoLibs(arch: Arch): boolean {
  return ['libmbedcrypto.a', 'libbearssl.a'].every((lib) => existsSync(`/usr/lib/${arch}-linux-gnu/${lib}`));
}

/** Whether the bundle holds lib/tls (its images get the crypto bindings where hasCryptoLibs). */
function usesTls(sourceMapFile: string): boolean {
  const { sources } = JSON.parse(readFileSync(sourceMapFile, 'utf8')) as { sources: string[] };
  return sources.some((s) => /(^|\/)lib\/tls\//.test(s));
}

export async function buildImage(appFile: string, arch: Arch, output: string, platform: ImagePlatform = 'hvt'): Promise<ImageResult> {
  if (platform === 'process' && arch !== 'x86_64') {
    throw new UsageError('kiln build: --target process builds x86_64 Linux executables only (runtime/hosted)');
  }
  const workDir = join(buildRoot, arch, 'apps', `${output.replace(/[^A-Za-z0-9]+/g, '_')}.work`);
  mkdirSync(workDir, { recursive: true });
  mkdirSync(dirname(output), { recursive: true });

  const { app, fetchModule } = await loadApp(appFile, workDir);
  const manifest = manifestOf(app);
  const kilnDevices = manifest.filter((e) => e.type === 'KILN_PIPE' || e.type === 'KILN_FORK');
  if (platform === 'process' && kilnDevices.length > 0) {
    const which = kilnDevices.map((e) => `${e.type === 'KILN_PIPE' ? 'pipe' : 'fork'}()`).join(', ');
    throw new UsageError(`kiln build: ${app.name} declares ${which}, which --target process does not provide (fork and pipes need kiln-hvt): use --target hvt, or unix`);
  }
  const bundle = join(workDir, 'bundle.mjs');
  // The global fetch needs a stack device; without one the image carries a fetch that says so, not the HTTP client.
  const hasStack = fetchModule || Object.values(app.devices).some((device) => device.kind === 'stack');
  const { sourceMap } = await bundleApp(appFile, 'hvt', bundle, fetchModule, hasStack);
  const frameFile = `${app.name}.js`;
  await prependStackPrelude(bundle, sourceMap, frameFile);

  // One build at a time in the tree (parallel builds would compile the same objects at once).
  const lock = join(buildRoot, '.kiln-build.lock');
  const runtimeParts = platform === 'process' ? ['hosted'] : ['host', 'image-libs'];
  await step('building the runtime', 'flock', [lock, 'make', '-s', '-C', 'runtime', ...runtimeParts, `ARCH=${arch}`, `BUILD=${buildRoot}`]);
  // What images need of the platform (not its test images: an installed package has no platform-solo5/tests).
  const platformOut = join(buildRoot, arch);
  const platformParts = ['kiln-hvt', 'kiln-mft', 'libkiln-solo5-hvt.a'].map((file) => join(platformOut, file));
  await step('building the platform', 'flock', [lock, 'make', '-s', '-C', 'platform-solo5', `ARCH=${arch}`, `OUT=${platformOut}`, ...platformParts, 'check-guest-lib']);
  const bytecode = join(workDir, 'bundle.qbc');
  await step('compiling to bytecode', join(buildRoot, 'host', 'kiln-qjsc'), ['--name', frameFile, '-o', bytecode, bundle]);

  const manifestFile = join(workDir, 'manifest.c');
  const entries = manifest.map((e) => `${e.name}:${e.type}`);
  await step('writing the manifest', join(buildRoot, arch, 'kiln-mft'), ['-o', manifestFile, ...entries]);

  const linkTarget = platform === 'process' ? 'hosted' : 'hvt';
  const crypto = usesTls(sourceMap) && hasCryptoLibs(arch) ? ['--crypto'] : [];
  await step('linking', join(repoRoot, 'runtime', 'link-image.sh'), ['--target', linkTarget, '--arch', arch, '--manifest', manifestFile, ...crypto, '-o', output, bytecode]);
  return { path: output, size: statSync(output).size, sourceMap, appName: app.name, devices: manifest };
}
