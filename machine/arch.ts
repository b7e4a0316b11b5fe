// Everything that differs between the two emulated machines. The rest of
// the harness is shared and reads only these fields.

export type VmArch = 'x86_64' | 'aarch64';

export interface ArchSpec {
  /** Debian's architecture name, the `:arch` suffix for apt. */
  debianArch: string;
  /** Debian's kernel flavour: linux-image-<flavour> is the meta package. */
  kernelFlavour: string;
  /** The GNU multiarch triplet: shared libraries live in /lib/<triplet>. */
  triplet: string;
  /** ELF e_machine of the architecture's binaries. */
  elfMachine: number;
  /** The C compiler that makes static binaries for this architecture. */
  cc: string;
  qemu: string;
  /** Machine and CPU arguments; memory, kernel, initrd and console are added by vm.ts. */
  qemuMachine: string[];
  /**
   * How QEMU should get Debian's kernel. 'xz-bzImage': unpack the ELF
   * vmlinux from the bzImage and boot it through its PVH entry point, which
   * skips the in-guest decompressor (seconds under TCG). 'as-is': boot the
   * file Debian ships (arm64's is an uncompressed Image).
   */
  kernelFormat: 'xz-bzImage' | 'as-is';
  /** The kernel's name for the serial console. */
  console: string;
  /** Modules that give /dev/kvm (empty where KVM is built into the kernel). */
  kvmModules: string[];
}

export const ARCHES: Record<VmArch, ArchSpec> = {
  x86_64: {
    debianArch: 'amd64',
    kernelFlavour: 'amd64',
    triplet: 'x86_64-linux-gnu',
    elfMachine: 62,
    cc: 'gcc',
    qemu: 'qemu-system-x86_64',
    // TCG emulates AMD SVM with nested paging; "max" exposes it, so the
    // emulated Linux's kvm_amd gives a working /dev/kvm.
    qemuMachine: ['-accel', 'tcg', '-cpu', 'max'],
    kernelFormat: 'xz-bzImage',
    console: 'ttyS0',
    kvmModules: ['kvm-amd'],
  },
  aarch64: {
    debianArch: 'arm64',
    kernelFlavour: 'arm64',
    triplet: 'aarch64-linux-gnu',
    elfMachine: 183,
    cc: 'aarch64-linux-gnu-gcc',
    qemu: 'qemu-system-aarch64',
    // virtualization=on starts the kernel at EL2, so KVM (built in) works.
    // pauth-impdef swaps the architected pointer-authentication hash for a
    // cheap one: several times faster under TCG, invisible to software.
    qemuMachine: ['-accel', 'tcg', '-M', 'virt,virtualization=on', '-cpu', 'max,pauth-impdef=on'],
    kernelFormat: 'as-is',
    console: 'ttyAMA0',
    kvmModules: [],
  },
};

/**
 * Modules loaded on both machines: tap devices, veth pairs and bridges for network tests, and tc's
 * ingress qdisc, u32 classifier and mirred action (urunc's redirects between a pod's eth0 and its tap).
 */
export const NETWORK_MODULES = ['tun', 'veth', 'bridge', 'sch_ingress', 'cls_u32', 'act_mirred'];

/**
 * Debian packages unpacked for the guest's user space, same names on both
 * architectures. iproute2 because busybox's `ip` has neither `netns` nor
 * `tuntap`; the libraries are what ip, tc and the dynamic busybox need.
 *
 * Two busyboxes, because each is bad at one job. busybox-static provides
 * the applets: a dynamic program's start (ld.so, relocations) costs several
 * times as much under TCG, and scripts start many. But its shell runs its
 * own applets before anything on PATH, which would hide iproute2's ip; so
 * `sh` is the dynamic `busybox` package's, which honours PATH.
 */
export const USERSPACE_PACKAGES = ['busybox', 'iproute2', 'libc6', 'libbpf1', 'libelf1', 'libmnl0', 'libbsd0', 'libmd0', 'libcap2', 'zlib1g', 'libxtables12'];
/** Unpacked apart from the rest: it ships /bin/busybox too. */
export const STATIC_BUSYBOX_PACKAGE = 'busybox-static';
