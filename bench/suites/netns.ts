/**
 * Shell commands for benchmark batches that need a network: a namespace
 * made for the run (addresses only inside it), taps in it, servers started
 * in the background and stopped by their saved pid. See the design's rule
 * on taps and namespaces.
 */

export interface Tap {
  name: string;
  /** The namespace's address on the tap, e.g. 10.94.0.1/24. */
  hostCidr: string;
}

export const inNs = (ns: string, command: string): string => `ip netns exec ${ns} ${command}`;

export function netnsUp(ns: string, taps: Tap[]): string {
  return [
    `ip netns add ${ns}`,
    inNs(ns, 'ip link set lo up'),
    ...taps.flatMap((t) => [
      inNs(ns, `ip tuntap add ${t.name} mode tap`),
      inNs(ns, `ip link set ${t.name} up`),
      inNs(ns, `ip addr add ${t.hostCidr} dev ${t.name}`),
    ]),
  ].join(' && ');
}

export const netnsDown = (ns: string): string => `ip netns del ${ns}`;

/** Starts `command` in the background, its output in NAME.log and its pid in NAME.pid. */
export const startServer = (name: string, command: string): string => `${command} >${name}.log 2>&1 & echo $! >${name}.pid`;

/** Stops what startServer started; prints its log (for the report on failure). */
export const stopServer = (name: string): string => `kill $(cat ${name}.pid) 2>/dev/null; wait $(cat ${name}.pid) 2>/dev/null; cat ${name}.log`;
