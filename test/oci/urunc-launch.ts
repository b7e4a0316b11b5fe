/**
 * What urunc 0.5.0 makes of an image's /urunc.json when it launches an hvt
 * image, restated from its source for tests (deploy/URUNC.md, sections 1-2):
 * the decoded configuration, the memory it gives, and the exact argument
 * vector it execs.
 */

/** /urunc.json with its base64 values decoded (config.go, decode). */
export function decodeUruncJson(text: string): Record<string, string> {
  const json = JSON.parse(text) as Record<string, string>;
  return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

/** The pod's network as urunc reads it from eth0 and the default route, and the tap it made. */
export interface PodNetwork {
  ip: string;
  gateway: string;
  tap: string;
}

export interface UruncLaunch {
  /** The decoded urunc configuration. */
  config: Record<string, string>;
  /** The container's process arguments (image Cmd or the pod's args). */
  processArgs: readonly string[];
  net?: PodNetwork;
  /** The container's memory limit in bytes, if it has one. */
  memoryLimitBytes?: number;
}

/** hypervisors/utils.go, bytesToStringMB: decimal megabytes, 256 without a limit or below 1 MB. */
export function uruncMemoryMb(limitBytes?: number): number {
  if (!limitBytes || limitBytes <= 0) return 256;
  return Math.floor(limitBytes / 1_000_000) || 256;
}

/** hypervisors/hvt.go, Execve, with unikernels/mirage.go: one string, split at single spaces. */
export function uruncHvtArgv(monitor: string, launch: UruncLaunch): string[] {
  const { config, net } = launch;
  const command = (launch.processArgs.length > 0 ? [...launch.processArgs] : config['com.urunc.unikernel.cmdline']!.split(/\s+/).filter(Boolean)).join(' ');
  const address = net ? `--ipv4=${net.ip}/24` : '';
  const gateway = net ? `--ipv4-gateway=${net.gateway}` : '';
  let line = `${monitor} --mem=${uruncMemoryMb(launch.memoryLimitBytes)}`;
  if (net) line += ` --net:service=${net.tap}`;
  const block = config['com.urunc.unikernel.block'];
  if (block) line += ` --block:storage=${block}`;
  line += ` ${config['com.urunc.unikernel.binary']} ${address} ${gateway} ${command}`;
  return line.split(' ');
}

/** An argument vector as one sh command line (empty arguments kept). */
export function shellWords(argv: readonly string[]): string {
  return argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
}
