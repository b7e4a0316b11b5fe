#!/bin/sh
# link-image.sh: links a Kiln image from a bundle's bytecode and a manifest.
#
#   runtime/link-image.sh [--target hvt|hosted] [--arch x86_64|aarch64]
#                         [--manifest MANIFEST.c] -o OUT BYTECODE.qbc
#
#   BYTECODE.qbc  written by build/host/kiln-qjsc
#   MANIFEST.c    written by build/ARCH/kiln-mft (platform-solo5); without
#                 it the image declares no devices
#   --target hvt     (default) a Solo5-hvt image for kiln-hvt or solo5-hvt
#   --target hosted  the same runtime as a static Linux program, with the
#                    Solo5 API over Linux system calls (runtime/hosted/)
#   --crypto         also link the mbedtls bindings (__kiln.aead, digest,
#                    hmac; runtime/crypto/), Debian's libmbedcrypto and
#                    libbearssl (AES-GCM), for apps that use lib/tls
#
# Builds what it links (make -C runtime, make -C platform-solo5) when needed,
# refuses an hvt image that could make a Linux system call, and prints the
# image's size.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=hvt
ARCH=x86_64
MANIFEST=
CRYPTO=
OUT=
BYTECODE=

die() { echo "link-image: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
    --target) TARGET=${2:?}; shift 2 ;;
    --arch) ARCH=${2:?}; shift 2 ;;
    --manifest) MANIFEST=${2:?}; shift 2 ;;
    --crypto) CRYPTO=1; shift ;;
    -o) OUT=${2:?}; shift 2 ;;
    -*) die "unknown option $1" ;;
    *) [ -z "$BYTECODE" ] || die "one bytecode file only"; BYTECODE=$1; shift ;;
    esac
done
[ -n "$OUT" ] && [ -n "$BYTECODE" ] || die "usage: link-image.sh [--target hvt|hosted] [--arch x86_64] [--manifest M.c] -o OUT BYTECODE.qbc"
[ -f "$BYTECODE" ] || die "no bytecode file $BYTECODE"
[ -z "$MANIFEST" ] || [ -f "$MANIFEST" ] || die "no manifest file $MANIFEST"
case "$TARGET" in hvt|hosted) ;; *) die "unknown target $TARGET (hvt or hosted)" ;; esac
# The toolchain for the image's architecture, and the instruction that would
# enter Linux from it.
case "$ARCH" in
x86_64) CC=gcc; OBJDUMP=objdump; SYSCALL_INSN=syscall ;;
aarch64) CC=aarch64-linux-gnu-gcc; OBJDUMP=aarch64-linux-gnu-objdump; SYSCALL_INSN=svc ;;
*) die "unknown architecture $ARCH (x86_64 or aarch64)" ;;
esac
[ "$TARGET" = hvt ] || [ "$ARCH" = x86_64 ] || die "hosted images run on x86_64 Linux only"
command -v "$CC" >/dev/null || die "no $CC: apt-get install gcc-aarch64-linux-gnu"

# KILN_BUILD_DIR: where the kiln command builds when its package is read-only.
BUILD_DIR=${KILN_BUILD_DIR:-$ROOT/build}
B="$BUILD_DIR/$ARCH"
RTLIB="$B/runtime"
PLATFORM="$B/libkiln-solo5-hvt.a"
MFT_TOOL="$B/kiln-mft"
LDSCRIPT="$ROOT/platform-solo5/ld/hvt-$ARCH.ld"
MUSL_LIBC="/usr/lib/$ARCH-linux-musl/libc.a"
LIBGCC=$("$CC" -print-libgcc-file-name)
[ -f "$MUSL_LIBC" ] || die "no $MUSL_LIBC: apt-get install musl-dev$([ "$ARCH" = aarch64 ] && echo :arm64)"
HOSTED_LIB=
[ "$TARGET" = hosted ] && HOSTED_LIB="$B/hosted/libkiln-hosted.a"
# With --crypto: the bindings whole (they define fopen and glibc's fortify
# wrappers ahead of musl), then libmbedcrypto and libbearssl (AES-GCM) for
# what they use.
CRYPTO_TARGET=
CRYPTO_LIBS=
if [ -n "$CRYPTO" ]; then
    DEB_ARCH=
    [ "$ARCH" = x86_64 ] || DEB_ARCH=:arm64
    MBEDTLS="/usr/lib/$ARCH-linux-gnu/libmbedcrypto.a"
    BEARSSL="/usr/lib/$ARCH-linux-gnu/libbearssl.a"
    [ -f "$MBEDTLS" ] || die "--crypto needs $MBEDTLS: apt-get install libmbedtls-dev$DEB_ARCH"
    [ -f "$BEARSSL" ] || die "--crypto needs $BEARSSL: apt-get install libbearssl-dev$DEB_ARCH"
    CRYPTO_TARGET=crypto
    CRYPTO_LIBS="-Wl,--whole-archive $RTLIB/libkiln-crypto.a -Wl,--no-whole-archive $MBEDTLS $BEARSSL"
fi

# One build at a time: links run in parallel (tests), builds must not.
mkdir -p "$BUILD_DIR"
flock "$BUILD_DIR/.kiln-build.lock" sh -c '
    make -s -C "$1/runtime" ARCH="$2" BUILD="$7" image-libs $3 $6 &&
    make -s -C "$1/platform-solo5" ARCH="$2" OUT="$7/$2" "$4" "$5"' sh \
    "$ROOT" "$ARCH" "$HOSTED_LIB" "$PLATFORM" "$MFT_TOOL" "$CRYPTO_TARGET" "$BUILD_DIR" >&2

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kiln-link.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

BYTECODE_ABS=$(cd "$(dirname "$BYTECODE")" && pwd)/$(basename "$BYTECODE")
case "$BYTECODE_ABS" in *'"'*|*'\'*) die "bytecode path may not contain quotes or backslashes" ;; esac
cat > "$WORK/bytecode.S" <<ASM
    .section .rodata.kiln_bytecode, "a"
    .balign 16
    .globl kiln_bytecode_start
kiln_bytecode_start:
    .incbin "$BYTECODE_ABS"
    .globl kiln_bytecode_end
kiln_bytecode_end:
    .section .note.GNU-stack, "", @progbits
ASM
$CC -c "$WORK/bytecode.S" -o "$WORK/bytecode.o"

if [ -z "$MANIFEST" ]; then
    MANIFEST="$WORK/manifest.c"
    "$MFT_TOOL" -o "$MANIFEST"
fi
$CC -O2 -fno-pic -fno-pie -ffreestanding -I"$ROOT/platform-solo5/include" -c "$MANIFEST" -o "$WORK/manifest.o"

# Debug information stays in build/ objects; images carry symbols only.
COMMON="-nostdlib -static -no-pie -Wl,--gc-sections -Wl,-z,noexecstack -Wl,--build-id=none -Wl,--strip-debug"
if [ "$TARGET" = hvt ]; then
    # shellcheck disable=SC2086
    "$CC" $COMMON -Wl,-z,max-page-size=0x1000 -T "$LDSCRIPT" -L "$ROOT/platform-solo5/ld" -o "$OUT" \
        "$WORK/bytecode.o" "$WORK/manifest.o" \
        -Wl,--whole-archive "$RTLIB/libkiln-libc.a" -Wl,--no-whole-archive \
        -Wl,--start-group $CRYPTO_LIBS "$RTLIB/libkiln-runtime.a" "$RTLIB/libquickjs.a" "$PLATFORM" \
        "$MUSL_LIBC" "$LIBGCC" -Wl,--end-group
    # Everything that would reach Linux must come from the runtime: an hvt
    # guest executing `syscall` (x86_64) or `svc` (aarch64) would fault.
    offenders=$("$OBJDUMP" -d "$OUT" | awk -v insn="$SYSCALL_INSN" \
        '/^[0-9a-f]+ <.*>:$/ { fn = $2 } $0 ~ "\t" insn "([ \t]|$)" { print fn }' | sort -u)
    if [ -n "$offenders" ]; then
        rm -f "$OUT"
        die "the image would make Linux system calls from: $(echo $offenders)"
    fi
else
    # shellcheck disable=SC2086
    "$CC" $COMMON -o "$OUT" "$WORK/bytecode.o" "$WORK/manifest.o" \
        -Wl,--whole-archive "$B/hosted/libkiln-hosted.a" "$RTLIB/libkiln-libc.a" -Wl,--no-whole-archive \
        -Wl,--start-group $CRYPTO_LIBS "$RTLIB/libkiln-runtime.a" "$RTLIB/libquickjs.a" "$MUSL_LIBC" "$LIBGCC" -Wl,--end-group
fi
echo "link-image: $OUT: $(stat -c %s "$OUT") bytes ($TARGET, $ARCH)" >&2
