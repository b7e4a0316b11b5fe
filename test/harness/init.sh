#!/bin/busybox sh
# The emulated machine's /init (PID 1), the same on every architecture.
# vm.ts builds the initramfs around it: /etc/kiln-vm/modules lists the
# kernel modules to load in order, /etc/kiln-vm/nonce makes the markers
# below impossible for the script's own output to forge, and
# /etc/kiln-vm/script is the test's script. Each marker is one line on the
# serial console; vm.ts parses them.

/bin/busybox --install -s /bin
# Busybox applets sit in /bin, last on PATH, so iproute2's ip in /sbin and
# any file a test places in /usr/bin or /usr/local/bin win over them.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
nonce=$(cat /etc/kiln-vm/nonce)

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
	message=$(insmod "/lib/modules/$module.ko" 2>&1) || setup_failed "insmod $module: $message"
done </etc/kiln-vm/modules
[ -c /dev/kvm ] || setup_failed "no /dev/kvm after loading modules; kernel says: $(dmesg | grep -i -E 'kvm|svm|vmx' | tail -n 3)"
ip link set lo up || setup_failed "ip link set lo up"

# Only emergencies from the kernel while the script runs, so its output stays its own.
echo 1 >/proc/sys/kernel/printk
echo "KILN-VM-SCRIPT-BEGIN $nonce"
cd /root
sh /etc/kiln-vm/script </dev/null 2>&1
status=$?
echo
echo "KILN-VM-SCRIPT-END $nonce status=$status"
echo "KILN-VM-KERNEL-LOG $nonce"
dmesg
poweroff -f
