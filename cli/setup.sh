#!/bin/sh
# Installs what Kiln's builds and tests need on a fresh Debian machine, and
# skips whatever is already there, so it is cheap to run before every test run.
# As root it installs Debian packages; otherwise it names the missing ones.
set -eu
cd "$(dirname "$0")/.."

# Debian packages: compilers for the images, and the real peers and probes the
# integration tests talk to (README.md, "The tests"); libmbedtls-dev and
# libbearssl-dev (AES-GCM) give images that use lib/tls their crypto in C
# (runtime/crypto); libssl-dev builds the OpenSSL client of the TLS bulk tests
# and benchmarks (test/tls/tls-roundtrip.c).
PACKAGES="musl-dev musl-dev:arm64 musl-tools gcc-aarch64-linux-gnu qemu-system-x86 qemu-system-arm busybox-static cpio xz-utils \
iproute2 ethtool strace socat iputils-ping netcat-openbsd curl tcpdump tshark wrk iperf3 hping3 dnsmasq python3-scapy valgrind \
skopeo umoci containerd clang libclang-rt-14-dev openssl libssl-dev libmbedtls-dev libmbedtls-dev:arm64 libbearssl-dev libbearssl-dev:arm64"

# aarch64 tests run Debian's arm64 kernel and user space in an emulated
# machine: apt must know the arm64 architecture to download them.
if [ "$(id -u)" = 0 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "kiln setup: adding the arm64 architecture to apt"
  dpkg --add-architecture arm64
  apt-get update -qq
fi

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "kiln setup: installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # tshark asks whether non-root users may capture; the default (no) is fine.
    apt-get install -y -qq $missing >/dev/null
  else
    echo "kiln setup: WARNING: not root, cannot install:$missing (tests that need them will say SKIPPED)"
  fi
fi

# npm packages, exactly as locked.
if [ ! -x node_modules/.bin/vitest ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "kiln setup: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

# better-sqlite3 (the kv benchmark's SQLite baseline): its native binding is
# built from source against this Node's headers (no prebuilt downloads here;
# npm may skip the package's install script).
if [ -d node_modules/better-sqlite3 ] && ! node -e "new (require('better-sqlite3'))(':memory:')" 2>/dev/null; then
  echo "kiln setup: building better-sqlite3's native binding (about 2 minutes)"
  node_dir=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
  (cd node_modules/better-sqlite3 && node "$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js" \
    rebuild --release --nodedir="$node_dir" -j 2 >/dev/null) || echo "kiln setup: WARNING: better-sqlite3 did not build (the kv benchmark will say so)"
fi

# Native parts: the tender, guest bindings, QuickJS runtime (each Makefile
# skips what is up to date).
for dir in platform-solo5 runtime; do
  if [ -f "$dir/Makefile" ]; then
    make -s -C "$dir" -j2
  fi
done
