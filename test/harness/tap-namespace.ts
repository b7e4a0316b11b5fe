import type { KvmCase } from './cases.ts';

/**
 * Cases that create a network namespace holding a tap with the host's
 * address (for a tender to attach an image to), and that delete it again.
 */
export function tapNamespaceCases(netns: string, tap: string, hostIp: string): { up: KvmCase; down: KvmCase } {
  return {
    up: {
      name: 'netns-up',
      run:
        `ip netns add ${netns} && ip netns exec ${netns} ip link set lo up && ` +
        `ip netns exec ${netns} ip tuntap add ${tap} mode tap && ip netns exec ${netns} ip link set ${tap} up && ` +
        `ip netns exec ${netns} ip addr add ${hostIp}/24 dev ${tap}`,
    },
    down: { name: 'netns-down', run: `ip netns del ${netns}` },
  };
}
