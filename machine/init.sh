#!/bin/busybox sh
# The emulated machine's /init (PID 1), the same on every architecture.
# vm.ts builds the initramfs around it: /etc/kiln-vm/modules lists the
# kernel modules to load in order, /etc/kiln-vm/nonce makes the markers
# below impossible for the script's own output to forge, and
# /etc/kiln-vm/script is the test's script. Each marker is one line on the
# serial console; vm.ts parses them.

# This shell is busybox-static's, which runs its own applets before PATH;
# hence the absolute paths to /sbin/ip and /bin/sh below. The script's /bin/sh
# is the dynamic busybox, which honours PATH (see arch.ts).
/bin/busybox --install -s /bin # keeps the existing /bin/sh and /bin/ash
# Busybox applets sit in /bin, last on PATH, so iproute2's ip in /sbin and
# any file a test places in /usr/bin or /usr/local/bin win over them.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
read -r nonce </etc/kiln-vm/nonce

setup_failed() {
	echo "KILN-VM-SETUP-FAILED $nonce $*"
	dmesg | tail -n 20
	poweroff -f
}

mkdir -p /proc /sys /dev /tmp /run/netns /root
mount -t proc proc /proc || setup_failed "mount /proc"
mount -t sysfs sysfs /sys || setup_failed "mount /sys"
mount -t devtmpfs devtmpfs /dev || setup_failed "mount /dev"
mkdir -p /var && ln -s /run /var/run

while read -r module; do
	insmod "/lib/modules/$module.ko" 2>/tmp/insmod.err || setup_failed "insmod $module: $(cat /tmp/insmod.err)"
done </etc/kiln-vm/modules
[ -c /dev/kvm ] || setup_failed "no /dev/kvm after loading modules; kernel says: $(dmesg | grep -i -E 'kvm|svm|vmx' | tail -n 3)"
/sbin/ip link set lo up || setup_failed "ip link set lo up"

# Only emergencies from the kernel while the script runs, so its output stays its own.
echo 1 >/proc/sys/kernel/printk
echo "KILN-VM-SCRIPT-BEGIN $nonce"
cd /root
/bin/sh /etc/kiln-vm/script </dev/null 2>&1
status=$?
echo
echo "KILN-VM-SCRIPT-END $nonce status=$status"
echo "KILN-VM-KERNEL-LOG $nonce"
dmesg
poweroff -f
