/**
 * The network stack the image's global `fetch` uses: the first stack device
 * the app declared, offered by the platform as it opens it. Kept apart from
 * fetch-global.ts so that an image that never calls fetch bundles none of
 * the HTTP client.
 */
import type { Clock } from '../../lib/devices/clock.ts';
import type { Random } from '../../lib/devices/random.ts';
import type { Stack } from '../../lib/devices/stack.ts';

export interface FetchStack {
  stack: Stack;
  args: readonly string[];
  clock: Clock;
  random: Random;
}

let offered: FetchStack | null = null;

export function offerStackForFetch(candidate: FetchStack): void {
  offered ??= candidate;
}

export const stackForFetch = (): FetchStack | null => offered;

/** What fetch rejects with in an app that declares no stack device. */
export const noStackForFetch = (): TypeError => new TypeError('fetch: the app declares no stack device (devices: { net: stack() })');
