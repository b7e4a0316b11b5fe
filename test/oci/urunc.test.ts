/**
 * examples/http, packaged by `kiln package --oci`, launched the way urunc
 * launches an hvt container (deploy/URUNC.md), with kiln-hvt installed as
 * `solo5-hvt`, in real KVM (on this host or in the emulated machine):
 *
 * - the image unpacked by umoci, as a container runtime gets its root;
 * - urunc's network: a pod namespace with a veth as eth0 (address, default
 *   route to the node), its tap `tap0_urunc` (one queue, vnet header, eth0's
 *   MTU, 172.16.1.2/24) and tc ingress redirects both ways (u32 match-all,
 *   mirred egress redirect);
 * - urunc's command line, built from the image's /urunc.json and the
 *   container's args: `--mem` as urunc computes it for a 64Mi limit, the
 *   image path inside the root, `--ipv4=IP/24 --ipv4-gateway=GW`;
 * - urunc's last steps: the monitor and the host's libraries bind-mounted
 *   into the root, tmpfs /dev with null, urandom, kvm and net/tun, chroot,
 *   then (x86_64) no_new_privs and urunc's seccomp filter, trapping anything
 *   outside its list (test/oci/urunc-exec.c).
 *
 * A peer on the node's side and a client routed through the node (so the
 * reply must take the gateway) fetch pages. On x86_64 a first run with the
 * filter in log mode lists every system call the tender made outside the
 * list: none but the huge-page hint, which the tender survives being refused.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseResult, kvmPlace, kvmSkip, runKvmCases, testArches, type KvmCase, type KvmCaseResult } from '../harness/cases.ts';
import { compilerMissing, imageToolsMissing } from '../harness/compiler.ts';
import { buildPlatform, ROOT, tender } from '../platform/build.ts';
import { decodeUruncJson, shellWords, uruncHvtArgv } from './urunc-launch.ts';

const umoci = spawnSync('umoci', ['--version']).status === 0 ? null : 'umoci (apt-get install umoci)';
const work = mkdtempSync(join(tmpdir(), 'kiln-urunc-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const POD = { ns: 'kilnpod', ip: '10.244.1.5', gateway: '10.244.1.1' };
const NODE_NS = 'kilnnode';
const REMOTE = { ns: 'kilnremote', ip: '192.168.77.2', router: '192.168.77.1' };
const TAP = 'tap0_urunc';
const MEMORY_LIMIT = 64 * 1024 * 1024; // a pod's `limits: memory: 64Mi`

/** x86_64 syscall names by number, from the kernel headers (numbers alone where they are missing). */
function syscallNames(): Map<number, string> {
  const header = '/usr/include/x86_64-linux-gnu/asm/unistd_64.h';
  const names = new Map<number, string>();
  if (!existsSync(header)) return names;
  for (const m of readFileSync(header, 'utf8').matchAll(/#define __NR_(\w+) (\d+)/g)) names.set(Number(m[2]), m[1]!);
  return names;
}

/** sh: set up the pod, the node and a remote client, then urunc's tap and redirects in the pod. */
const NETWORK = [
  `ip netns add ${POD.ns} && ip netns add ${NODE_NS} && ip netns add ${REMOTE.ns}`,
  `ip link add name kpod0 type veth peer name knode0 && ip link set kpod0 netns ${POD.ns} && ip link set knode0 netns ${NODE_NS}`,
  `ip link add name kremote0 type veth peer name knode1 && ip link set kremote0 netns ${REMOTE.ns} && ip link set knode1 netns ${NODE_NS}`,
  `ip -n ${POD.ns} link set kpod0 name eth0 && ip -n ${POD.ns} addr add ${POD.ip}/24 dev eth0 && ip -n ${POD.ns} link set eth0 up`,
  `ip -n ${POD.ns} link set lo up && ip -n ${POD.ns} route add default via ${POD.gateway}`,
  `ip -n ${NODE_NS} addr add ${POD.gateway}/24 dev knode0 && ip -n ${NODE_NS} link set knode0 up`,
  `ip -n ${NODE_NS} addr add ${REMOTE.router}/24 dev knode1 && ip -n ${NODE_NS} link set knode1 up`,
  `ip netns exec ${NODE_NS} sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'`,
  `ip -n ${REMOTE.ns} addr add ${REMOTE.ip}/24 dev kremote0 && ip -n ${REMOTE.ns} link set kremote0 up && ip -n ${REMOTE.ns} route add default via ${REMOTE.router}`,
  // urunc, pkg/network: the tap beside eth0, redirects both ways, the tap's own address, up. iproute2's tc by its
  // path: the machines' busybox has a tc applet without ingress or mirred.
  `ip -n ${POD.ns} tuntap add dev ${TAP} mode tap one_queue vnet_hdr`,
  `ip -n ${POD.ns} link set ${TAP} mtu $(ip netns exec ${POD.ns} cat /sys/class/net/eth0/mtu)`,
  `ip netns exec ${POD.ns} /sbin/tc qdisc add dev ${TAP} ingress && ip netns exec ${POD.ns} /sbin/tc qdisc add dev eth0 ingress`,
  `ip netns exec ${POD.ns} /sbin/tc filter add dev ${TAP} parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev eth0`,
  `ip netns exec ${POD.ns} /sbin/tc filter add dev eth0 parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev ${TAP}`,
  `ip -n ${POD.ns} addr replace 172.16.1.2/24 dev ${TAP} && ip -n ${POD.ns} link set ${TAP} up`,
  `echo "FILTERS $(ip netns exec ${POD.ns} /sbin/tc filter show dev eth0 parent ffff: | grep -c 'mirred') $(ip netns exec ${POD.ns} /sbin/tc filter show dev ${TAP} parent ffff: | grep -c 'mirred')"`,
].join(' &&\n');

/** sh: the image's files in the container's root, as the runtime unpacked them. */
const ROOT_FILES = 'mkdir -p rootfs/unikernel && cp http.hvt rootfs/unikernel/ && cp urunc.json rootfs/ && echo ROOT-READY';

/**
 * sh script, run under `unshare -m` so that its mounts vanish with it: the container root as urunc leaves it
 * for the monitor (rootfs.go, prepareMonRootfs: the monitor at its path, the host's library folders, tmpfs
 * /dev with null, urandom, kvm and net/tun, tmpfs /tmp), then the monitor started in the pod's namespace
 * through urunc's last steps. $1: the seccomp mode (trap, log, or off: plain chroot); then urunc's arguments
 * after the monitor's path.
 */
const LAUNCH_SH = `set -e
mode=$1; shift
R=$PWD/rootfs MON=/usr/local/bin/solo5-hvt
mkdir -p $R/usr/local/bin && touch $R$MON && mount --bind $PWD/kiln-hvt $R$MON
for d in /lib /lib64 /usr/lib; do if [ -d $d ]; then mkdir -p $R$d && mount --bind $d $R$d; fi; done
mkdir -p $R/dev $R/tmp && mount -t tmpfs -o mode=755 tmpfs $R/dev && mount -t tmpfs -o mode=1777 tmpfs $R/tmp
mkdir $R/dev/net && for d in null urandom kvm net/tun; do touch $R/dev/$d && mount --bind /dev/$d $R/dev/$d; done
if [ $mode = off ]; then exec ip netns exec ${POD.ns} chroot $R $MON "$@"; fi
exec ip netns exec ${POD.ns} $PWD/urunc-exec --root $R --seccomp $mode -- $MON "$@"
`;

/** sh: start the monitor as urunc would (LAUNCH_SH), wait until it serves (bounded), then probe it and stop it. */
function serveCase(name: string, mode: 'trap' | 'log' | 'off', argv: string[]): KvmCase {
  // HTTP/1.0 through busybox nc (both machines have it): the body, after the blank line.
  const get = (ns: string, path = '/') =>
    `printf 'GET ${path} HTTP/1.0\\r\\nHost: kiln\\r\\n\\r\\n' | ip netns exec ${ns} busybox nc -w 10 ${POD.ip} 80 | tr -d '\\r' | sed '1,/^$/d'`;
  return {
    name,
    run: [
      // A mark in the kernel log: lines after it are this case's (counting lines fails once the ring buffer is full).
      `mark=kiln-urunc-${name}-$$; echo "$mark" > /dev/kmsg`,
      `unshare -m --propagation private /bin/sh ./urunc-launch.sh ${mode} ${shellWords(argv.slice(1))} > ${name}.log 2>&1 & pid=$!`,
      `i=0; until [ "$(${get(NODE_NS)} 2>/dev/null)" = hello ]; do i=$((i+1)); [ $i -ge 90 ] && break; kill -0 $pid 2>/dev/null || break; sleep 1; done`,
      `echo "HELLO [$(${get(NODE_NS)})]"`,
      `echo "ROUTED [$(${get(REMOTE.ns)})]"`,
      `echo "STATS $(${get(NODE_NS, '/stats')})"`,
      'kill -0 $pid 2>/dev/null && echo ALIVE',
      // urunc stops a container with SIGKILL (unikontainers.go, Kill), whatever signal it was asked for.
      'kill -KILL $pid; wait $pid; echo "monitor status $?"',
      `sed 's/^/log: /' ${name}.log`,
      `dmesg | sed -n "/$mark/,\\$p" | grep 'type=1326' | sed -n 's/.* syscall=\\([0-9]*\\).*/SYSCALL \\1/p' | sort -u`,
    ].join('\n'),
  };
}

for (const arch of testArches()) {
  const seccomp = arch === 'x86_64'; // urunc cannot build its filter on aarch64 (deploy/URUNC.md, section 4)
  // Passed on a host with /dev/kvm (x86_64); in the emulated machines it has not passed yet (their image lacked tc
  // until machine/rootfs.ts added it, not run since), so it is left out there rather than reported unchecked.
  const place = await kvmPlace(arch);
  const emulated = 'where' in place && place.where === 'vm' ? 'needs a host with /dev/kvm (not yet run to a pass in the emulated machine)' : null;
  const skip = await kvmSkip(arch, "examples/http under urunc's launch", umoci ?? emulated ?? (await imageToolsMissing(arch)) ?? (seccomp ? await compilerMissing(arch) : null));

  describe.skipIf(skip !== null)(`${arch}: examples/http launched as urunc launches hvt images`, () => {
    let results: Map<string, KvmCaseResult>;
    let argv: string[];

    beforeAll(async () => {
      await buildPlatform(arch);
      const dir = join(work, arch);
      mkdirSync(dir);
      const kiln = [join(ROOT, 'cli/kiln.js'), 'package', join(ROOT, 'examples/http'), '--arch', arch, '--oci-dir', join(dir, 'layout'), '--tag', 'urunc', '--', '--port=80'];
      execFileSync(process.execPath, kiln, { stdio: ['ignore', 'ignore', 'inherit'] });
      // The container's root and runtime spec, as a runtime gets them from the image.
      execFileSync('umoci', ['unpack', '--image', `${join(dir, 'layout')}:urunc`, join(dir, 'bundle')]);
      const rootfs = join(dir, 'bundle/rootfs');
      const spec = JSON.parse(readFileSync(join(dir, 'bundle/config.json'), 'utf8')) as { process: { args: string[] } };
      const config = decodeUruncJson(readFileSync(join(rootfs, 'urunc.json'), 'utf8'));
      argv = uruncHvtArgv('solo5-hvt', { config, processArgs: spec.process.args, net: { ip: POD.ip, gateway: POD.gateway, tap: TAP }, memoryLimitBytes: MEMORY_LIMIT });
      writeFileSync(join(dir, 'urunc-launch.sh'), LAUNCH_SH);
      const files = [tender(arch), join(rootfs, 'unikernel/http.hvt'), join(rootfs, 'urunc.json'), join(dir, 'urunc-launch.sh')];
      const cases: KvmCase[] = [
        { name: 'network', run: NETWORK },
        { name: 'root', run: ROOT_FILES },
      ];
      if (seccomp) {
        execFileSync('gcc', ['-static', '-O2', '-Wall', '-Wextra', '-Werror', '-o', join(dir, 'urunc-exec'), join(ROOT, 'test/oci/urunc-exec.c')]);
        files.push(join(dir, 'urunc-exec'));
        cases.push(serveCase('seccomp-log', 'log', argv));
        cases.push(serveCase('serve', 'trap', argv));
      } else {
        cases.push(serveCase('serve', 'off', argv));
      }
      cases.push({ name: 'cleanup', run: `ip netns del ${POD.ns}; ip netns del ${NODE_NS}; ip netns del ${REMOTE.ns}; echo CLEAN` });
      results = await runKvmCases(files, cases, 15 * 60_000, arch);
    }, 25 * 60_000);

    it("sets up urunc's network: redirects on eth0 and the tap", () => {
      expect(caseResult(results, 'network').output).toContain('FILTERS 1 1');
      expect(caseResult(results, 'network')).toMatchObject({ status: 0 });
      expect(caseResult(results, 'root').output).toContain('ROOT-READY');
    });

    it("builds urunc's line: memory for 64Mi, the image path in the root, address /24 and gateway", () => {
      expect(argv).toEqual(['solo5-hvt', '--mem=67', `--net:service=${TAP}`, '/unikernel/http.hvt', `--ipv4=${POD.ip}/24`, `--ipv4-gateway=${POD.gateway}`, '--port=80']);
    });

    it('serves a peer on the node and a client routed through the gateway, and keeps running', () => {
      const out = caseResult(results, 'serve').output;
      expect(out).toContain('HELLO [hello]');
      expect(out).toContain('ROUTED [hello]');
      expect(out).toMatch(/STATS \{.*"requests":/);
      expect(out).toContain('ALIVE');
    });

    // The one call outside the list is the huge-page hint (madvise) when guest memory is reserved: the tender makes
    // it with a SIGSYS handler in place, so urunc's trap fails the call instead of killing the tender.
    it.skipIf(!seccomp)("needs no system call outside urunc's seccomp list but the huge-page hint, and serves under the trapping filter", () => {
      const names = syscallNames();
      const outside = (name: string) =>
        [...caseResult(results, name).output.matchAll(/^SYSCALL (\d+)$/gm)].map((m) => names.get(Number(m[1])) ?? `#${m[1]}`);
      // madvise is made on every start: its line shows that the kernel does log what the filter catches.
      expect(outside('seccomp-log')).toContain('madvise');
      expect(outside('seccomp-log').filter((n) => n !== 'madvise')).toEqual([]);
      expect(outside('serve').filter((n) => n !== 'madvise')).toEqual([]);
      expect(caseResult(results, 'seccomp-log').output).toContain('HELLO [hello]');
    });

    it('cleans up', () => {
      expect(caseResult(results, 'cleanup').output).toContain('CLEAN');
    });
  });
}
