// Shell snippets that cases inside the machines share.

/**
 * sh that waits until `ip` answers a ping from network namespace `ns`: the
 * image behind it is up. Bounded (60 tries, a second each at most), so an
 * image that never comes up fails its case instead of hanging the machine;
 * a fixed sleep instead either wastes time or is too short on a loaded host.
 */
export function untilPingAnswers(ns: string, ip: string): string {
  return `i=0; until ip netns exec ${ns} ping -c 1 -W 1 ${ip} >/dev/null || [ $i -ge 60 ]; do i=$((i+1)); done`;
}
