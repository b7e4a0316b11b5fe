/**
 * The application model. An app declares the devices it needs by kind and
 * name, and exports a start function that receives them. The same declaration
 * becomes the Solo5 manifest when the app is built into an image, so an image
 * asks its tender for exactly what the code uses.
 */
import type { Block } from './devices/block.ts';
import type { Clock } from './devices/clock.ts';
import type { Console } from './devices/console.ts';
import type { Fork } from './devices/fork.ts';
import type { Net } from './devices/net.ts';
import type { Pipes } from './devices/pipe.ts';
import type { Random } from './devices/random.ts';
import type { Stack } from './devices/stack.ts';

export interface DeviceKinds {
  /** A raw Ethernet interface. */
  net: Net;
  /** TCP/UDP/ICMP over the network interface of the same name. */
  stack: Stack;
  block: Block;
  pipe: Pipes;
  fork: Fork;
}

export type DeviceKind = keyof DeviceKinds;

export interface DeviceSpec<K extends DeviceKind = DeviceKind> {
  readonly kind: K;
  /** The device's name in the manifest and on the tender's command line. */
  readonly name: string;
}

/** Default names, as deployment tools (urunc, ops) expect them. */
export const DEFAULT_NET_NAME = 'service';
export const DEFAULT_BLOCK_NAME = 'storage';

export const net = (name: string = DEFAULT_NET_NAME): DeviceSpec<'net'> => ({ kind: 'net', name });
export const stack = (name: string = DEFAULT_NET_NAME): DeviceSpec<'stack'> => ({ kind: 'stack', name });
export const block = (name: string = DEFAULT_BLOCK_NAME): DeviceSpec<'block'> => ({ kind: 'block', name });
export const pipe = (): DeviceSpec<'pipe'> => ({ kind: 'pipe', name: 'pipe' });
export const fork = (): DeviceSpec<'fork'> => ({ kind: 'fork', name: 'fork' });

export type DeviceDeclaration = Record<string, DeviceSpec>;

export type DevicesOf<D extends DeviceDeclaration> = { [K in keyof D]: DeviceKinds[D[K]['kind']] };

/** What every app receives, whatever it declared. */
export interface AppContext<D extends DeviceDeclaration> {
  devices: DevicesOf<D>;
  /** Boot arguments after the image (hvt) or after `--` (unix). */
  args: string[];
  clock: Clock;
  random: Random;
  console: Console;
  /**
   * Resolves with the reason ('SIGTERM', 'SIGINT', 'stop') once the platform
   * asks the app to stop; the platform also closes the app's stacks, which
   * ends their accept and receive loops. An app waiting on anything else
   * (a sleep, a timer) races that wait against this and winds down.
   */
  stopping: Promise<string>;
}

/** A stop request for an app: `stopping` resolves, once, with the first reason given to `request`. */
export interface StopRequest {
  stopping: Promise<string>;
  request(reason: string): void;
}

export function stopRequest(): StopRequest {
  let resolve: (reason: string) => void = () => {};
  const stopping = new Promise<string>((r) => (resolve = r));
  return { stopping, request: (reason) => resolve(reason) };
}

/** The app's exit status: a number, or nothing for 0. */
export type ExitCode = number | void;

export interface App<D extends DeviceDeclaration = DeviceDeclaration> {
  readonly name: string;
  readonly devices: D;
  start(context: AppContext<D>): Promise<ExitCode> | ExitCode;
}

export class AppDeclarationError extends Error {}

/** Longest device name the Solo5 manifest holds (68 bytes with the terminating NUL). */
export const MAX_DEVICE_NAME = 67;

/** Device names are 1-MAX_DEVICE_NAME letters or digits (what Solo5 tenders accept on their command line). */
export function isDeviceName(name: string): boolean {
  return /^[A-Za-z0-9]+$/.test(name) && name.length <= MAX_DEVICE_NAME;
}

export const DEVICE_NAME_RULE = `1-${MAX_DEVICE_NAME} letters or digits`;

/**
 * Declares an app. Checks the declaration at once, so a bad device name fails
 * when the module loads rather than when the image boots.
 */
export function defineApp<D extends DeviceDeclaration>(app: App<D>): App<D> {
  manifestOf(app);
  return app;
}

export type ManifestDeviceType = 'NET_BASIC' | 'BLOCK_BASIC' | 'KILN_PIPE' | 'KILN_FORK';

export interface ManifestEntry {
  name: string;
  type: ManifestDeviceType;
}

const MANIFEST_TYPE: Record<DeviceKind, ManifestDeviceType> = {
  net: 'NET_BASIC',
  stack: 'NET_BASIC',
  block: 'BLOCK_BASIC',
  pipe: 'KILN_PIPE',
  fork: 'KILN_FORK',
};

/**
 * The Solo5 manifest an app's declaration asks for. A stack and a raw net
 * device on the same name share one NET_BASIC entry.
 */
export function manifestOf(app: App<DeviceDeclaration>): ManifestEntry[] {
  const entries = new Map<string, ManifestEntry>();
  for (const [key, spec] of Object.entries(app.devices)) {
    if (!(spec.kind in MANIFEST_TYPE)) {
      throw new AppDeclarationError(`device '${key}': unknown kind '${String(spec.kind)}'`);
    }
    if (!isDeviceName(spec.name)) {
      throw new AppDeclarationError(`device '${key}': name '${spec.name}' must be ${DEVICE_NAME_RULE}`);
    }
    const type = MANIFEST_TYPE[spec.kind];
    const seen = entries.get(spec.name);
    if (seen && seen.type !== type) {
      throw new AppDeclarationError(`device name '${spec.name}' is declared as both ${seen.type} and ${type}`);
    }
    entries.set(spec.name, { name: spec.name, type });
  }
  return [...entries.values()];
}
