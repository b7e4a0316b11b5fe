/**
 * The boot skeleton every platform shares. A platform supplies its services
 * (clock, random, console, the boot arguments) and a table with one device
 * factory per device kind; the skeleton makes each device the app declared,
 * starts the app and turns how it ended into an exit status:
 *
 * - `--help` (an `ArgError` with code `help`): the argument list on the
 *   app's console, status 0;
 * - a bad boot argument (`ArgError`) or a device the platform cannot give
 *   (`ConfigurationError`): one line naming it, status 2;
 * - `start()` resolving with something other than 0-255: one line, status 1;
 * - any other error escaping the app: the platform reports it and picks the
 *   status (1, or a forked child's crash status).
 *
 * Closing devices afterwards is the platform's: only it knows the order.
 */
import { ArgError } from '../lib/args.ts';
import type { App, AppContext, DeviceDeclaration, DeviceKind, DeviceKinds, DevicesOf } from '../lib/app.ts';
import type { Console } from '../lib/devices/console.ts';
import { KilnError } from '../lib/errors.ts';

/** A boot argument or device setting the platform cannot use: one line, exit status 2. */
export class ConfigurationError extends KilnError<'configuration'> {}

/** Makes the device of each kind for a declared name; throws ConfigurationError when the platform cannot. */
export type DeviceFactories = { [K in DeviceKind]: (name: string) => Promise<DeviceKinds[K]> | DeviceKinds[K] };

/** Everything an app receives besides its devices, and how to make those. */
export interface PlatformServices extends Omit<AppContext<DeviceDeclaration>, 'devices'> {
  devices: DeviceFactories;
}

export interface Platform {
  /** Sets the services up; an ArgError or ConfigurationError thrown here ends the boot with status 2. */
  setup(): Promise<PlatformServices> | PlatformServices;
  /** Called once every device exists, just before the app starts. */
  starting?(): void;
  /** Writes one line for whoever runs the app (stderr, or the tender's console). */
  report(line: string): void;
  /** Reports an error that escaped the app; returns the exit status for it. */
  crashed(err: unknown): number;
}

/** Status for a bad boot argument or device configuration (as for a bad command line). */
export const CONFIGURATION_STATUS = 2;

/** Boots `app` on `platform`; resolves with its exit status. */
export async function runApp<D extends DeviceDeclaration>(app: App<D>, platform: Platform): Promise<number> {
  let console: Console | null = null;
  try {
    const { devices: factories, ...services } = await platform.setup();
    console = services.console;
    const devices: Record<string, DeviceKinds[DeviceKind]> = {};
    for (const [key, spec] of Object.entries(app.devices)) {
      const make = factories[spec.kind] as (name: string) => Promise<DeviceKinds[DeviceKind]> | DeviceKinds[DeviceKind];
      devices[key] = await make(spec.name);
    }
    platform.starting?.();
    const code = (await app.start({ ...services, devices: devices as DevicesOf<D> })) ?? 0;
    if (!Number.isInteger(code) || code < 0 || code > 255) {
      platform.report(`${app.name}: start() returned ${String(code)}, expected an exit status from 0 to 255`);
      return 1;
    }
    return code;
  } catch (err) {
    // `--help` is answered on the app's console (stdout on unix), with status 0.
    if (err instanceof ArgError && err.code === 'help' && console) {
      console.write(`${app.name}: ${err.message}`);
      return 0;
    }
    if (err instanceof ArgError || err instanceof ConfigurationError) {
      platform.report(`${app.name}: ${err.message}`);
      return CONFIGURATION_STATUS;
    }
    return platform.crashed(err);
  }
}
